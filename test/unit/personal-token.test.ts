import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issuePersonalToken, isPersonalToken, verifyPersonalToken } from '../../api/personal-token';

const SECRET = 'personal-token-secret';
const NOW = Date.parse('2026-11-22T12:00:00Z');

void test('a token names its holder and verifies with the secret until it expires', () => {
  const token = issuePersonalToken('E0001', SECRET, 3_600_000, NOW);
  assert.ok(isPersonalToken(token));
  assert.match(token, /^jmlp\.\d+\.[0-9a-f]{64}\.E0001$/);
  assert.deepEqual(verifyPersonalToken(token, SECRET, NOW), { ok: true, employeeId: 'E0001' });
  assert.deepEqual(verifyPersonalToken(token, SECRET, NOW + 3_600_000), {
    ok: false,
    reason: 'personal token expired',
  });
});

void test('an employee id with dots is carried whole', () => {
  const token = issuePersonalToken('ext.contractor-7', SECRET, 60_000, NOW);
  assert.deepEqual(verifyPersonalToken(token, SECRET, NOW), { ok: true, employeeId: 'ext.contractor-7' });
});

void test('another secret, another holder or a changed expiry does not verify', () => {
  const token = issuePersonalToken('E0001', SECRET, 3_600_000, NOW);
  const mismatch = { ok: false, reason: 'personal token signature does not match' };
  assert.deepEqual(verifyPersonalToken(token, 'other-secret', NOW), mismatch);
  assert.deepEqual(verifyPersonalToken(token.replace(/E0001$/, 'E0002'), SECRET, NOW), mismatch);
  const [prefix, expires, mac, holder] = token.split('.');
  const later = [prefix, Number(expires) + 86_400, mac, holder].join('.');
  assert.deepEqual(verifyPersonalToken(later, SECRET, NOW), mismatch);
});

void test('anything else is malformed, and the API token is not mistaken for one', () => {
  for (const bad of [
    'jmlp.',
    'jmlp.1.abc.E1',
    'jmlp.1.' + 'a'.repeat(64) + '.',
    'jmlp.x.' + 'a'.repeat(64) + '.E1',
  ]) {
    assert.deepEqual(
      verifyPersonalToken(bad, SECRET, NOW),
      { ok: false, reason: 'malformed personal token' },
      bad,
    );
  }
  assert.equal(isPersonalToken('an-api-token'), false);
});
