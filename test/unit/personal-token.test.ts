import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  issuePersonalToken,
  isPersonalToken,
  personalTokenId,
  verifyPersonalToken,
} from '../../api/personal-token';

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

void test('a token made to live longer than the longest lifetime allowed is refused', () => {
  const rules = { maxLifetimeMs: 30 * 86_400_000 };
  const month = issuePersonalToken('E0001', SECRET, 30 * 86_400_000, NOW);
  assert.deepEqual(verifyPersonalToken(month, SECRET, NOW, rules), { ok: true, employeeId: 'E0001' });
  const year = issuePersonalToken('E0001', SECRET, 365 * 86_400_000, NOW);
  assert.deepEqual(verifyPersonalToken(year, SECRET, NOW, rules), {
    ok: false,
    reason: 'personal token lives longer than the longest lifetime allowed',
  });
});

void test('a token is revoked by its id, and only that token', () => {
  const first = issuePersonalToken('E0001', SECRET, 3_600_000, NOW);
  const second = issuePersonalToken('E0001', SECRET, 7_200_000, NOW);
  const id = personalTokenId(first);
  assert.match(id ?? '', /^[0-9a-f]{16}$/);
  assert.notEqual(id, personalTokenId(second));
  const rules = { revoked: [id!] };
  assert.deepEqual(verifyPersonalToken(first, SECRET, NOW, rules), {
    ok: false,
    reason: 'personal token revoked',
  });
  assert.deepEqual(verifyPersonalToken(second, SECRET, NOW, rules), { ok: true, employeeId: 'E0001' });
});
