// The pure parts of the Active Directory flavour: account names, the initial password, DNs as AD
// writes them, and entitlements read from memberOf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import { UnverifiableError } from '../../connectors/errors';
import { entitlementsOf, isMemberOf, memberOfValues } from '../../connectors/ldap/ad-memberships';
import { initialPassword, samAccountNameProblem, unicodePwd } from '../../connectors/ldap/ad-names';
import { dnsDomainOf, domainDnOf, escapeDnValue, parentDn, parseDn, sameDn } from '../../connectors/ldap/dn';

const GROUPS = 'OU=Groups,DC=corp,DC=example';

void test('sAMAccountName: ordinary logon names are accepted', () => {
  for (const name of ['ada.lovelace', 'a', 'J-O_Brien', 'x'.repeat(20), 'Ünïcødé']) {
    assert.equal(samAccountNameProblem(name), undefined, name);
  }
});

void test('sAMAccountName: what AD refuses is named', () => {
  assert.equal(samAccountNameProblem(''), 'it is empty');
  assert.equal(samAccountNameProblem('x'.repeat(21)), 'it is longer than 20 characters');
  assert.equal(samAccountNameProblem('ada@corp'), 'it contains "@"');
  for (const char of ['"', '/', '\\', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>']) {
    assert.equal(samAccountNameProblem(`a${char}b`), `it contains "${char}"`);
  }
  assert.equal(samAccountNameProblem('a\tb'), 'it contains a control character');
  assert.equal(samAccountNameProblem('. .'), 'it is only dots and spaces');
  assert.equal(samAccountNameProblem('ada.'), 'it ends with a dot');
});

void test('the initial password: 32 random letters and digits in pairs, with every kind AD asks for', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i += 1) {
    const password = initialPassword();
    seen.add(password);
    assert.match(password, /^[A-Za-z0-9]{2}(,[A-Za-z0-9]{2}){15}$/);
    assert.match(password, /[A-Z]/);
    assert.match(password, /[a-z]/);
    assert.match(password, /[0-9]/);
  }
  assert.equal(seen.size, 200, 'never the same twice');
});

void test('the initial password cannot contain a sAMAccountName or a 3-character part of a display name', () => {
  // AD splits display names at , . - _ space # and tab, and ignores parts shorter than 3 characters;
  // a sAMAccountName cannot contain a comma: any part of either is longer than a run between commas.
  const password = initialPassword();
  const longestRun = Math.max(...password.split(',').map((run) => run.length));
  assert.equal(longestRun, 2);
  assert.equal(samAccountNameProblem(`ab,cd`), 'it contains ","');
});

void test('unicodePwd is the quoted password in UTF-16LE', () => {
  assert.deepEqual(unicodePwd('Ab1'), Buffer.from([0x22, 0, 0x41, 0, 0x62, 0, 0x31, 0, 0x22, 0]));
});

void test('DNs as AD writes them are read back with every escape resolved', () => {
  assert.deepEqual(parseDn('CN=a\\3Db\\3Bc\\"d\\<e\\>,OU=Groups,DC=corp'), [
    { type: 'CN', value: 'a=b;c"d<e>' },
    { type: 'OU', value: 'Groups' },
    { type: 'DC', value: 'corp' },
  ]);
  assert.equal(parseDn('CN=R&D\\, Europe,OU=x')?.[0]?.value, 'R&D, Europe');
  assert.equal(parseDn('CN=\\#ops\\+on-call\\ ,OU=x')?.[0]?.value, '#ops+on-call ');
  assert.equal(parseDn('CN=\\C3\\BCber,OU=x')?.[0]?.value, 'über', 'hex pairs are UTF-8 bytes');
  assert.equal(parseDn('CN=Ünïcødé 🎉,OU=x')?.[0]?.value, 'Ünïcødé 🎉');
  assert.deepEqual(parseDn(''), []);
  assert.equal(parseDn('not a dn'), undefined);
  assert.equal(parseDn('CN=dangling\\'), undefined);
});

void test('what escapeDnValue writes, parseDn reads back', () => {
  for (const value of ['R&D, Europe', '#ops+on-call ', ' lead', 'a=b;c"d<e>\\', 'über']) {
    assert.equal(parseDn(`CN=${escapeDnValue(value)},OU=x`)?.[0]?.value, value);
  }
});

void test('sameDn ignores case, spaces after commas and how a value was escaped', () => {
  assert.ok(sameDn('CN=a\\3Db,OU=Groups,DC=corp', 'cn=a\\=b, ou=groups, dc=CORP'));
  assert.ok(sameDn('CN=\\C3\\BCber,OU=x', 'CN=über,OU=x'));
  assert.ok(!sameDn('CN=a,OU=Groups,DC=corp', 'CN=a,OU=Other,DC=corp'));
  assert.ok(!sameDn('CN=a,OU=Groups', 'CN=a,OU=Groups,DC=corp'));
});

void test('the parent, the domain DN and the DNS name of a DN', () => {
  assert.equal(parentDn('CN=R&D\\, Europe,OU=Groups,DC=corp'), 'OU=Groups,DC=corp');
  assert.equal(parentDn('DC=corp'), undefined);
  assert.equal(domainDnOf('OU=People,DC=corp,DC=example,DC=com'), 'DC=corp,DC=example,DC=com');
  assert.equal(dnsDomainOf('OU=People,dc=corp,dc=example,dc=com'), 'corp.example.com');
  assert.equal(dnsDomainOf('OU=People,O=Corp'), undefined);
  assert.equal(domainDnOf('OU=People,O=Corp'), undefined);
});

void test('entitlements are the CNs of the groups directly under groupsDn, sorted', () => {
  const memberOf = [
    `CN=engineering,${GROUPS}`,
    `CN=a\\3Db\\3Bc,ou=groups,dc=CORP,dc=example`,
    `CN=R&D\\, Europe,${GROUPS}`,
    'CN=Remote Desktop Users,CN=Builtin,DC=corp,DC=example',
    `CN=nested,OU=Deeper,${GROUPS}`,
    `OU=not-a-group-cn,${GROUPS}`,
  ];
  assert.deepEqual(entitlementsOf(memberOf, GROUPS), ['R&D, Europe', 'a=b;c', 'engineering']);
  assert.deepEqual(entitlementsOf([], GROUPS), []);
});

void test('isMemberOf matches the group DN however AD spelled it', () => {
  assert.ok(isMemberOf([`CN=a\\3Db,${GROUPS}`], `CN=a\\=b,${GROUPS.toLowerCase()}`));
  assert.ok(!isMemberOf([`CN=ab,${GROUPS}`], `CN=a,${GROUPS}`));
});

void test('memberOf is read as one value or many, whatever case its name came back in', () => {
  assert.deepEqual(memberOfValues({ dn: 'CN=u', memberOf: `CN=g,${GROUPS}` }), [`CN=g,${GROUPS}`]);
  assert.deepEqual(memberOfValues({ dn: 'CN=u', memberof: ['a', 'b'] }), ['a', 'b']);
  assert.deepEqual(memberOfValues({ dn: 'CN=u' }), []);
});

void test('a memberOf handed over in ranges is not taken for the whole list', () => {
  const ranged = { dn: 'CN=u', 'memberOf;range=0-1499': ['a'], memberOf: [] } as unknown as Entry;
  assert.throws(
    () => memberOfValues(ranged),
    (error: unknown) => {
      assert.ok(error instanceof UnverifiableError);
      assert.match(error.message, /memberOf;range=0-1499/);
      return true;
    },
  );
});
