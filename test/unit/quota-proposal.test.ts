import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proposeForgetting, type SnapshotFootprint } from '../../src/core/receive/chunk-store/quota-proposal';
import { maxProposedSnapshots } from '../../src/core/wire/quota-refusal';

const snapshot = (snapshotId: string, packIds: string[], fileBytes = 10): SnapshotFootprint => ({ snapshotId, fileBytes, packIds: new Set(packIds) });
const packs = new Map([
  ['a', 1000],
  ['b', 2000],
  ['shared', 5000],
  ['c', 4000],
]);
const history = [snapshot('s1', ['a', 'shared']), snapshot('s2', ['b', 'shared']), snapshot('s3', ['c'])];

test('the oldest snapshots are proposed until their file and the packs only they reference cover the shortfall', () => {
  assert.deepEqual(proposeForgetting(history, packs, 0, 1010), { snapshotIds: ['s1'], freesBytes: 1010 });
  // s1 alone frees 1,010 bytes; the pack it shares with s2 goes only with s2.
  assert.deepEqual(proposeForgetting(history, packs, 0, 1011), { snapshotIds: ['s1', 's2'], freesBytes: 8020 });
  assert.deepEqual(proposeForgetting(history, packs, 0, 12_030), { snapshotIds: ['s1', 's2', 's3'], freesBytes: 12_030 });
});

test('packs no snapshot references and past the grace period count as freed by the first deletion', () => {
  assert.deepEqual(proposeForgetting(history, packs, 3000, 3500), { snapshotIds: ['s1'], freesBytes: 4010 });
});

test('no proposal when forgetting every snapshot would not make room, or there is none', () => {
  assert.equal(proposeForgetting(history, packs, 0, 12_031), undefined);
  assert.equal(proposeForgetting([], packs, 0, 1), undefined);
});

test('a proposal names at most maxProposedSnapshots snapshots', () => {
  const many = Array.from({ length: maxProposedSnapshots + 1 }, (_, i) => snapshot(`s${i}`, [], 1));
  assert.equal(proposeForgetting(many, new Map(), 0, maxProposedSnapshots)?.snapshotIds.length, maxProposedSnapshots);
  assert.equal(proposeForgetting(many, new Map(), 0, maxProposedSnapshots + 1), undefined);
});
