// Listing cursors: what a connector hands out it takes back, and nothing else; and the DN order the
// LDAP listings page by compares DNs the way a directory does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { PermanentConnectorError } from '../../connectors/errors';
import { checkPageSize, decodeCursor, encodeCursor } from '../../connectors/listing-cursor';
import { dnKey } from '../../connectors/ldap/directory-listing';

const schema = z.strictObject({ k: z.literal('test'), at: z.number().int() });

void test('a cursor comes back as the position it was made from, and no cursor is the first page', () => {
  const cursor = encodeCursor({ k: 'test', at: 42 });
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'opaque and safe to carry anywhere');
  assert.deepEqual(decodeCursor('app', cursor, schema), { k: 'test', at: 42 });
  assert.equal(decodeCursor('app', undefined, schema), undefined);
});

void test('a cursor of another kind, a mangled one or one with a wrong field is refused, naming the application', () => {
  for (const cursor of [
    encodeCursor({ k: 'other', at: 42 }),
    encodeCursor({ k: 'test', at: 'x' }),
    encodeCursor({ k: 'test', at: 1, extra: true }),
    'not base64url JSON',
    '',
  ]) {
    assert.throws(
      () => decodeCursor('crm', cursor, schema),
      (error: unknown) =>
        error instanceof PermanentConnectorError && /^crm: the listing cursor is not one/.test(error.message),
      cursor,
    );
  }
});

void test('a page size is a whole number of at least 1', () => {
  assert.equal(checkPageSize('app', 1), 1);
  for (const size of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => checkPageSize('app', size), PermanentConnectorError, String(size));
  }
});

void test('DNs that name the same entry have one key, whatever their case and escaping; others differ', () => {
  assert.equal(dnKey('UID=Ada,OU=People,DC=jml,DC=test'), dnKey('uid=ada, ou=people, dc=jml, dc=test'));
  assert.equal(dnKey('CN=R\\26D\\2C Europe,OU=Groups,DC=x'), dnKey('cn=R&D\\, Europe,ou=groups,dc=x'));
  assert.notEqual(dnKey('cn=a\\,b,dc=x'), dnKey('cn=a,cn=b,dc=x'));
});
