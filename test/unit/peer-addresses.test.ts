/** The order a sender tries a peer's addresses in: what the peer signed (LAN first), then the registry's hint. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidateAddresses, orderAddresses } from '../../src/core/transfer/peer-addresses';

const signed = [
  { host: '203.0.113.9', port: 7421 },
  { host: '192.168.1.20', port: 7421 },
  { host: '2001:db8::7', port: 7421 },
  { host: 'fd00::20', port: 7421 },
  { host: '127.0.0.1', port: 7421 },
];

test('signed addresses go loopback, then LAN, then the rest, in their own order within each', () => {
  assert.deepEqual(
    candidateAddresses({ addresses: signed }).map((address) => address.host),
    ['127.0.0.1', '192.168.1.20', 'fd00::20', '203.0.113.9', '2001:db8::7'],
  );
});

test('the address the registry saw is tried only after every signed address, marked as such, however near it looks', () => {
  for (const host of ['127.0.0.2', '10.0.0.9', '198.51.100.4']) {
    const candidates = candidateAddresses({ addresses: signed, observed: { host, port: 7421 } });
    assert.deepEqual(
      candidates.slice(0, -1).map((address) => address.host),
      ['127.0.0.1', '192.168.1.20', 'fd00::20', '203.0.113.9', '2001:db8::7'],
    );
    assert.deepEqual(candidates.at(-1), { host, port: 7421, seenByRegistry: true });
    assert.ok(candidates.slice(0, -1).every((address) => !('seenByRegistry' in address)), 'a signed address was marked as the hint');
    // The sender orders what it is given once more; the hint stays last.
    assert.deepEqual(orderAddresses(candidates), candidates);
  }
});

test('a hint the peer signed itself is not tried twice', () => {
  assert.deepEqual(candidateAddresses({ addresses: signed, observed: { host: '203.0.113.9', port: 7421 } }), candidateAddresses({ addresses: signed }));
  assert.equal(candidateAddresses({ addresses: signed, observed: { host: '203.0.113.9', port: 7000 } }).length, signed.length + 1);
});
