import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { quotaAdvice } from '../../src/core/transfer/forget-advice';
import { chunkKeys, testSnapshot } from '../helpers/chunk-packs';

const me = generateIdentity();
const stranger = generateIdentity();
const teammate = generateIdentity().peerId;
const keys = chunkKeys();
const MiB = 1024 * 1024;
const mine = (id: string) => ({ manifest: testSnapshot(keys, me, teammate, id, [Buffer.from(id)]).signed });
const list = async () => [mine('s1'), mine('s2'), mine('s3'), { manifest: testSnapshot(keys, stranger, teammate, 'x1', [Buffer.from('x')]).signed }];
const refusal = (forget?: unknown) => ({ error: 'quota-exceeded', message: 'pack p does not fit', quota: { quotaBytes: 10 * MiB, usedBytes: 9 * MiB, neededBytes: 2 * MiB }, ...(forget ? { forget } : {}) });

test('the advice names the snapshots, the bytes freed and the forget command that removes exactly them', async () => {
  const advice = await quotaAdvice(refusal({ snapshotIds: ['s1', 's2'], freesBytes: 3 * MiB }), 'This backup', teammate, me, list);
  assert.equal(advice?.code, 'quota-exceeded');
  assert.equal(
    advice?.message,
    `This backup does not fit the 10 MiB ${teammate} grants you: 9 MiB used, 2 MiB more needed. Forgetting your 2 oldest snapshots (s1, s2) would free 3 MiB: run \`peer-backup forget --plan "nightly" --snapshot s1 --snapshot s2\` (or ask ${teammate} for a larger quota).`,
  );
});

test('snapshots this machine did not sign are never proposed: the advice is a larger quota', async () => {
  const advice = await quotaAdvice(refusal({ snapshotIds: ['x1'], freesBytes: 3 * MiB }), 'This backup', teammate, me, list);
  assert.match(advice?.message ?? '', /include some this machine did not make: ask \S+ for a larger quota/);
  assert.doesNotMatch(advice?.message ?? '', /peer-backup forget/);
});

test('without a proposal the advice is a larger quota; a malformed or unbounded field is not taken as advice', async () => {
  assert.match((await quotaAdvice(refusal(), 'This backup', teammate, me, list))?.message ?? '', /Forgetting all your snapshots there would not make room/);
  assert.equal(await quotaAdvice(refusal({ snapshotIds: ['s1 `rm -rf`'], freesBytes: 1 }), 'This backup', teammate, me, list), undefined);
  assert.equal(await quotaAdvice(refusal({ snapshotIds: Array.from({ length: 101 }, (_, i) => `s${i}`), freesBytes: 1 }), 'This backup', teammate, me, list), undefined);
  assert.equal(await quotaAdvice({ error: 'quota-exceeded', message: 'no figures' }, 'This backup', teammate, me, list), undefined);
});
