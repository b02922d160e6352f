// userAccountControl arithmetic for the Active Directory flavour: only ACCOUNTDISABLE changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCOUNT_DISABLE,
  formatUserAccountControl,
  isDisabled,
  NORMAL_ACCOUNT,
  parseUserAccountControl,
  withDisabled,
} from '../../connectors/ldap/user-account-control';

const DONT_EXPIRE_PASSWORD = 0x10000;
const SMARTCARD_REQUIRED = 0x40000;
const PASSWD_NOTREQD = 0x20;

void test('ACCOUNTDISABLE is bit 2 (0x2) and a normal account is 0x200', () => {
  assert.equal(ACCOUNT_DISABLE, 2);
  assert.equal(NORMAL_ACCOUNT, 512);
});

void test('a normal account is enabled; 514 (normal + disabled) is disabled', () => {
  assert.equal(isDisabled(512), false);
  assert.equal(isDisabled(514), true);
  assert.equal(isDisabled(546), true, 'what AD gives a user created without a password');
});

void test('disabling sets only ACCOUNTDISABLE and keeps every other flag', () => {
  const flags = NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD | SMARTCARD_REQUIRED;
  assert.equal(withDisabled(flags, true), flags | ACCOUNT_DISABLE);
  assert.equal(
    withDisabled(flags | ACCOUNT_DISABLE, true),
    flags | ACCOUNT_DISABLE,
    'already disabled: unchanged',
  );
});

void test('enabling clears only ACCOUNTDISABLE and keeps every other flag', () => {
  const flags = NORMAL_ACCOUNT | PASSWD_NOTREQD | DONT_EXPIRE_PASSWORD;
  assert.equal(withDisabled(flags | ACCOUNT_DISABLE, false), flags);
  assert.equal(withDisabled(flags, false), flags, 'already enabled: unchanged');
});

void test('the top bit survives: the arithmetic is unsigned 32-bit and written back as a signed INTEGER', () => {
  const high = (0x80000000 | NORMAL_ACCOUNT) >>> 0;
  assert.equal(parseUserAccountControl('-2147483136'), high);
  assert.equal(withDisabled(high, true), (high | ACCOUNT_DISABLE) >>> 0);
  assert.equal(formatUserAccountControl(withDisabled(high, true)), '-2147483134');
  assert.equal(formatUserAccountControl(514), '514');
});

void test('values that are not 32-bit integers are not read as flags', () => {
  for (const bad of [undefined, '', 'abc', '5.12', '0x200', '4294967296', '-2147483649', '12345678901']) {
    assert.equal(parseUserAccountControl(bad), undefined, `${String(bad)} is refused`);
  }
  assert.equal(parseUserAccountControl(' 512 '), 512);
  assert.equal(parseUserAccountControl('4294967295'), 0xffffffff);
});
