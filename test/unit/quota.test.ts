import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { parseQuota } from '../../src/core/quota';

test('quotas take binary units, with or without a space, in any case', () => {
  assert.equal(parseQuota('10GB'), 10 * 1024 ** 3);
  assert.equal(parseQuota(' 500 mb '), 500 * 1024 ** 2);
  assert.equal(parseQuota('1.5TB'), 1.5 * 1024 ** 4);
});

test('a size without a unit, with trailing words, or of nothing is refused with an example', () => {
  for (const text of ['10', '10 parsecs', '0GB', '', 'GB', '-5MB']) {
    assert.throws(() => parseQuota(text), (err: Error) => err instanceof UserError && /is not a size: give the quota as e\.g\. 10GB/.test(err.message), text);
  }
});

test('a quota over 1PB, however it is written, is refused as a typo', () => {
  assert.equal(parseQuota('1PB'), 1024 ** 5);
  for (const text of ['1.5PB', '1025TB', '100000000000000000000000PB']) {
    assert.throws(() => parseQuota(text), (err: Error) => err instanceof UserError && /more than the largest quota, 1PB/.test(err.message), text);
  }
});
