import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainIp } from '../../src/http-server';
import { addressGroup } from '../../src/http-server';
import { reachableAddresses } from '../../src/registry/addresses';

test('empty and unspecified hosts become the address the announcement came from', () => {
  const announced = [
    { host: '', port: 1 },
    { host: '0.0.0.0', port: 2 },
    { host: '::', port: 3 },
  ];
  assert.deepEqual(reachableAddresses(announced, '203.0.113.9'), [
    { host: '203.0.113.9', port: 1 },
    { host: '203.0.113.9', port: 2 },
    { host: '203.0.113.9', port: 3 },
  ]);
  assert.deepEqual(reachableAddresses([{ host: '', port: 1 }], '::ffff:203.0.113.9'), [{ host: '203.0.113.9', port: 1 }]);
});

test('loopback announced from elsewhere is dropped, multicast always, the rest kept once', () => {
  const announced = [
    { host: '127.0.0.1', port: 1 },
    { host: '127.8.9.10', port: 1 },
    { host: '::1', port: 1 },
    { host: '::ffff:127.0.0.1', port: 1 },
    { host: '224.0.0.251', port: 1 },
    { host: 'ff02::1', port: 1 },
    { host: '192.168.1.20', port: 1 },
    { host: '::ffff:192.168.1.20', port: 1 },
    { host: '2001:db8::7', port: 1 },
  ];
  assert.deepEqual(reachableAddresses(announced, '198.51.100.4'), [
    { host: '192.168.1.20', port: 1 },
    { host: '2001:db8::7', port: 1 },
  ]);
});

test('a peer on the same machine as the registry may announce loopback, not multicast', () => {
  const announced = [
    { host: '', port: 1 },
    { host: '127.0.0.1', port: 2 },
    { host: '224.0.0.1', port: 3 },
  ];
  assert.deepEqual(reachableAddresses(announced, '::ffff:127.0.0.1'), [
    { host: '127.0.0.1', port: 1 },
    { host: '127.0.0.1', port: 2 },
  ]);
  assert.deepEqual(reachableAddresses([{ host: '', port: 4 }], '::1'), [{ host: '::1', port: 4 }]);
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
