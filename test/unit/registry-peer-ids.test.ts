/** The look-up route's peer ID check: IDs it accepted are remembered, malformed ones are refused every time. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { rememberingPeerIdParser } from '../../src/registry/routes/checked-peer-ids';

test('an ID as people type it gives its canonical form, the first time and every time after', () => {
  const parse = rememberingPeerIdParser(10);
  const { peerId } = generateIdentity();
  const typed = peerId.toLowerCase().replace(/-/g, ' ');
  assert.equal(parse(typed), peerId);
  assert.equal(parse(typed), peerId);
  assert.equal(parse(peerId), peerId);
});

test('a malformed ID is refused every time it is asked, with the reason', () => {
  const parse = rememberingPeerIdParser(10);
  const { peerId } = generateIdentity();
  const mistyped = `${peerId.slice(0, -1)}${peerId.endsWith('A') ? 'B' : 'A'}`;
  for (let attempt = 0; attempt < 2; attempt++) assert.throws(() => parse(mistyped), /has a typo/);
  assert.throws(() => parse('not-an-id'), /is not a peer ID/);
});

test('past its capacity it starts over and still answers every ID right', () => {
  const parse = rememberingPeerIdParser(3);
  const peers = Array.from({ length: 7 }, () => generateIdentity().peerId);
  for (let round = 0; round < 2; round++) for (const peerId of peers) assert.equal(parse(peerId.toLowerCase()), peerId);
});
