import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainIp } from '../../src/http-server';
import { addressGroup } from '../../src/http-server';
import { observedAddress, unusableAddress } from '../../src/registry/addresses';

test('loopback signed from elsewhere is refused, naming the address; multicast always; the rest is usable', () => {
  const lan = { host: '192.168.1.20', port: 1 };
  for (const host of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
    const reason = unusableAddress([lan, { host, port: 1 }], '198.51.100.4') ?? '';
    assert.ok(reason.startsWith(`addresses.1: ${host} is a loopback address, which only the announcing machine can reach`), reason);
  }
  for (const host of ['224.0.0.251', 'ff02::1']) {
    assert.match(unusableAddress([{ host, port: 1 }], '::ffff:127.0.0.1') ?? '', /addresses\.0: .* is a multicast address, never a peer's/);
  }
  assert.equal(unusableAddress([lan, { host: '::ffff:192.168.1.20', port: 1 }, { host: '2001:db8::7', port: 1 }], '198.51.100.4'), undefined);
});

test('a peer on the same machine as the registry may sign loopback addresses', () => {
  const addresses = [
    { host: '127.0.0.1', port: 1 },
    { host: '::1', port: 2 },
  ];
  assert.equal(unusableAddress(addresses, '::ffff:127.0.0.1'), undefined);
  assert.equal(unusableAddress(addresses, '::1'), undefined);
});

test('the hint is the source address with the first signed port, unless the peer signed that host itself', () => {
  const signed = [
    { host: '192.168.1.20', port: 7421 },
    { host: '2001:db8::7', port: 7422 },
  ];
  assert.deepEqual(observedAddress(signed, '::ffff:203.0.113.9'), { host: '203.0.113.9', port: 7421 });
  assert.deepEqual(observedAddress(signed, '2001:db8::8'), { host: '2001:db8::8', port: 7421 });
  assert.deepEqual(observedAddress([{ host: '127.0.0.1', port: 7001 }], '127.0.0.2'), { host: '127.0.0.2', port: 7001 });
  assert.equal(observedAddress(signed, '::ffff:192.168.1.20'), undefined);
  assert.equal(observedAddress(signed, '2001:0db8:0:0::7'), undefined, 'another spelling of a signed host');
  assert.equal(observedAddress([{ host: '::ffff:203.0.113.9', port: 1 }], '203.0.113.9'), undefined);
  assert.equal(observedAddress(signed, ''), undefined);
});

test('plainIp unwraps IPv4-mapped IPv6 addresses only', () => {
  assert.equal(plainIp('::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(plainIp('::FFFF:10.0.0.7'), '10.0.0.7');
  assert.equal(plainIp('2001:db8::1'), '2001:db8::1');
  assert.equal(plainIp('10.0.0.7'), '10.0.0.7');
});

test('per-address limits key an IPv6 address by its /64 and an IPv4 address as it is', () => {
  assert.equal(addressGroup('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressGroup('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.notEqual(addressGroup('2001:db8:1:3::1'), addressGroup('2001:db8:1:2::1'));
  assert.equal(addressGroup('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressGroup('::1'), '0:0:0:0::/64');
  assert.equal(addressGroup('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  assert.equal(addressGroup('203.0.113.9'), '203.0.113.9');
  assert.equal(addressGroup('::ffff:203.0.113.9'), '203.0.113.9');
});
