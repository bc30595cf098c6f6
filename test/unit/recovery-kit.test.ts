/** The recovery code, the kit sealed under it, and the receiver's limits on guessing it (with an injected clock). */
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { deriveKitKeys, verifierHash, wrappingKey } from '../../src/core/recovery/kit-keys';
import { openKit, sealKit } from '../../src/core/recovery/kit-seal';
import { generateRecoveryCode, recoveryCodeEntropy } from '../../src/core/recovery/recovery-code';
import { HttpError } from '../../src/http-server';
import { KitFetchLimiter } from '../../src/receiver/kit-fetch-limiter';

test('a recovery code is 24 words carrying 32 bytes; spacing and case do not matter, a typo is caught before anything is derived', async () => {
  const code = await generateRecoveryCode();
  const words = code.split(' ');
  assert.equal(words.length, 24);
  const entropy = await recoveryCodeEntropy(code);
  assert.equal(entropy.length, 32);
  assert.ok((await recoveryCodeEntropy(`  ${words.join('   ').toUpperCase()}\n`)).equals(entropy));
  assert.notEqual(await generateRecoveryCode(), code);
  await assert.rejects(recoveryCodeEntropy(words.slice(1).join(' ')), /is 24 words; this one has 23/);
  await assert.rejects(recoveryCodeEntropy([...words.slice(0, 5), 'zzzz', ...words.slice(6)].join(' ')), /Word 6 of the recovery code/);
  const swapped = [words[1], words[0], ...words.slice(2)];
  if (swapped.join(' ') !== code) await assert.rejects(recoveryCodeEntropy(swapped.join(' ')), /checksum fails|do not fit together/);
});

test('the kit opens with its own code only, and not when altered or filed under another lookup ID', async () => {
  const identity = generateIdentity();
  const storageSecret = randomBytes(32);
  const keys = await deriveKitKeys(await recoveryCodeEntropy(await generateRecoveryCode()));
  assert.match(keys.lookupId, /^[0-9a-f]{64}$/);
  assert.notEqual(keys.lookupId, keys.verifier);
  assert.notEqual(verifierHash(keys.verifier), keys.verifier);

  const kit = sealKit(keys, { privateKeyPem: identity.privateKeyPem, storageSecret });
  const text = JSON.stringify(kit);
  assert.ok(!text.includes('PRIVATE KEY') && !text.includes(storageSecret.toString('base64')));
  assert.notDeepEqual(sealKit(keys, { privateKeyPem: identity.privateKeyPem, storageSecret }).wrapSalt, kit.wrapSalt, 'every kit has its own salt');

  assert.deepEqual([kit.version, kit.kdf.name], [2, 'hkdf-sha256']);
  const opened = openKit(keys, kit, 'the teammate');
  assert.equal(opened.privateKeyPem, identity.privateKeyPem);
  assert.ok(opened.storageSecret.equals(storageSecret));

  const other = await deriveKitKeys(await recoveryCodeEntropy(await generateRecoveryCode()));
  const damaged = (err: unknown) => err instanceof UserError && err.code === 'damaged';
  assert.throws(() => openKit(other, kit, 'the teammate'), damaged);
  assert.throws(() => openKit({ ...keys, lookupId: other.lookupId }, kit, 'the teammate'), damaged);
  const flipped = Buffer.from(kit.sealed, 'base64');
  flipped[5] ^= 1;
  assert.throws(() => openKit(keys, { ...kit, sealed: flipped.toString('base64') }, 'the teammate'), damaged);
});

test('a version-2 kit derives its master with HKDF-SHA-256 alone, as PROTOCOL.md states', async () => {
  const entropy = randomBytes(32);
  const hkdf = (key: Buffer, salt: string | Buffer, info: string) => Buffer.from(hkdfSync('sha256', key, salt, info, 32));
  const master = hkdf(entropy, 'peer-backup recovery-kit hkdf v2', 'peer-backup recovery-kit master v2');
  const keys = await deriveKitKeys(entropy);
  assert.ok(keys.master.equals(master));
  assert.equal(keys.lookupId, hkdf(master, Buffer.alloc(0), 'peer-backup recovery-kit lookup-id v1').toString('hex'));
  assert.equal(keys.verifier, hkdf(master, Buffer.alloc(0), 'peer-backup recovery-kit verifier v1').toString('hex'));
  const salt = randomBytes(16);
  assert.ok(wrappingKey(keys.master, salt).equals(hkdf(master, salt, 'peer-backup recovery-kit wrap aes-256-gcm v1')));
});

test('a version-1 kit (scrypt) opens with the keys of its own version only', async () => {
  const entropy = await recoveryCodeEntropy(await generateRecoveryCode());
  const earlier = await deriveKitKeys(entropy, 1);
  const current = await deriveKitKeys(entropy);
  assert.notEqual(earlier.lookupId, current.lookupId, 'the two versions file kits apart');
  const contents = { privateKeyPem: generateIdentity().privateKeyPem, storageSecret: randomBytes(32) };
  const kit = sealKit(earlier, contents);
  assert.deepEqual([kit.version, kit.kdf], [1, { name: 'scrypt', N: 2 ** 17, r: 8, p: 1, salt: 'peer-backup recovery-kit scrypt v1' }]);
  assert.ok(openKit(earlier, kit, 'the teammate').storageSecret.equals(contents.storageSecret));
  const damaged = (err: unknown) => err instanceof UserError && err.code === 'damaged';
  assert.throws(() => openKit(current, kit, 'the teammate'), damaged);
  assert.throws(() => openKit(earlier, sealKit(current, contents), 'the teammate'), damaged);
});

test('guessing codes from one address is throttled: 1,000 wrong guesses over a simulated day get through at most 100 times', () => {
  let now = 0;
  const limiter = new KitFetchLimiter(undefined, () => now);
  let admitted = 0;
  let refused = 0;
  for (let guess = 0; guess < 1_000; guess++) {
    try {
      limiter.admit('203.0.113.9', randomBytes(32).toString('hex'));
      limiter.noteWrong('203.0.113.9');
      admitted++;
    } catch (err) {
      assert.ok(err instanceof HttpError && err.status === 429, String(err));
      assert.ok(Number(err.headers['retry-after']) >= 1);
      refused++;
    }
    now += 60_000; // a guess a minute: within the per-minute budget, so only the daily ceiling stops it
  }
  assert.equal(admitted, 100);
  assert.equal(refused, 900);
  // A day after the first wrong guesses, the address may try again; another address was never held back.
  now += 24 * 60 * 60_000;
  assert.doesNotThrow(() => limiter.admit('203.0.113.9', 'a'.repeat(64)));
  assert.doesNotThrow(() => limiter.admit('198.51.100.1', 'b'.repeat(64)));
});

test('tries are limited per address per minute, per IPv6 /64, and per lookup ID from anywhere', () => {
  let now = 1_000_000;
  const limiter = new KitFetchLimiter({ perAddressPerMinute: 10, perLookupPerMinute: 10, wrongPerAddressPerDay: 100 }, () => now);
  for (let i = 0; i < 10; i++) limiter.admit(`2001:db8::${i + 1}`, `${i}`.padStart(64, '0'));
  assert.throws(() => limiter.admit('2001:db8::ff', 'f'.repeat(64)), /too many recovery-kit requests from 2001:db8:0:0::\/64/);
  now += 60_000;
  assert.doesNotThrow(() => limiter.admit('2001:db8::ff', 'f'.repeat(64)));

  const target = 'a'.repeat(64);
  for (let i = 0; i < 10; i++) limiter.admit(`192.0.2.${i}`, target);
  assert.throws(() => limiter.admit('192.0.2.200', target), (err: unknown) => err instanceof HttpError && err.status === 429);
});
