// The LDAP application's `flavor` and the keys that go with it: defaults, and errors that name the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeConfigSchema, type LdapApplicationConfig } from '../../domain/config';
import { ActiveDirectoryConnector } from '../../connectors/ldap/ad-connector';
import { LdapConnector } from '../../connectors/ldap/ldap-connector';
import { createLdapConnector } from '../../connectors/ldap/ldap-flavors';

const env = { HR: 'hr-secret', API: 'api-token', LDAP_PASSWORD: 'bind-secret' };

function parse(ldap: Record<string, unknown>) {
  return makeConfigSchema(env).safeParse({
    http: { hrWebhookSecret: { env: 'HR' }, apiToken: { env: 'API' } },
    applications: [
      {
        id: 'directory',
        kind: 'ldap',
        url: 'ldaps://dc1.corp.example.com',
        bindDn: 'CN=jml,OU=Service,DC=corp,DC=example,DC=com',
        bindPassword: { env: 'LDAP_PASSWORD' },
        usersDn: 'OU=People,DC=corp,DC=example,DC=com',
        groupsDn: 'OU=Groups,DC=corp,DC=example,DC=com',
        ...ldap,
      },
    ],
  });
}

function ldapApp(ldap: Record<string, unknown>): LdapApplicationConfig {
  const result = parse(ldap);
  assert.ok(result.success, JSON.stringify(result.error?.issues));
  const app = result.data.applications[0]!;
  assert.equal(app.kind, 'ldap');
  return app;
}

function problems(ldap: Record<string, unknown>): { path: string; message: string }[] {
  const result = parse(ldap);
  assert.equal(result.success, false);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

void test('flavor defaults to openldap, with no owner attribute, UPN suffix or CA file of its own', () => {
  const app = ldapApp({});
  assert.equal(app.flavor, 'openldap');
  assert.equal(app.ownerAttribute, undefined);
  assert.equal(app.upnSuffix, undefined);
  assert.equal(app.caFile, undefined);
});

void test('flavor ad is accepted with its own keys', () => {
  const app = ldapApp({
    flavor: 'ad',
    ownerAttribute: 'employeeNumber',
    upnSuffix: 'example.com',
    caFile: '/etc/jml/ad-ca.pem',
  });
  assert.equal(app.flavor, 'ad');
  assert.equal(app.ownerAttribute, 'employeeNumber');
  assert.equal(app.upnSuffix, 'example.com');
  assert.equal(app.caFile, '/etc/jml/ad-ca.pem');
});

void test('an unknown flavor is named with the choices', () => {
  const [problem, ...rest] = problems({ flavor: 'freeipa' });
  assert.equal(rest.length, 0);
  assert.equal(problem?.path, 'applications.0.flavor');
  assert.match(problem?.message ?? '', /"openldap"\|"ad"/);
});

void test('Active Directory needs ldaps://: a plain ldap:// URL is refused at url', () => {
  assert.deepEqual(problems({ flavor: 'ad', url: 'ldap://dc1.corp.example.com' }), [
    {
      path: 'applications.0.url',
      message: 'Active Directory takes passwords only over an encrypted connection: use an ldaps:// URL',
    },
  ]);
  assert.equal(ldapApp({ url: 'ldap://ldap.example.com' }).flavor, 'openldap', 'OpenLDAP may use ldap://');
});

void test('employeeID is refused for OpenLDAP, whose inetOrgPerson has no such attribute', () => {
  assert.deepEqual(problems({ ownerAttribute: 'employeeID' }), [
    {
      path: 'applications.0.ownerAttribute',
      message: 'inetOrgPerson has no employeeID: OpenLDAP keeps the owner in employeeNumber',
    },
  ]);
  assert.equal(ldapApp({ ownerAttribute: 'employeeNumber' }).ownerAttribute, 'employeeNumber');
});

void test('an owner attribute other than employeeNumber or employeeID is refused', () => {
  const [problem] = problems({ flavor: 'ad', ownerAttribute: 'description' });
  assert.equal(problem?.path, 'applications.0.ownerAttribute');
});

void test('upnSuffix belongs to Active Directory only, and must be a DNS name', () => {
  assert.deepEqual(problems({ upnSuffix: 'example.com' }), [
    { path: 'applications.0.upnSuffix', message: 'only Active Directory (flavor: ad) has userPrincipalName' },
  ]);
  assert.deepEqual(problems({ flavor: 'ad', upnSuffix: 'not a domain' }), [
    { path: 'applications.0.upnSuffix', message: 'must be a DNS name' },
  ]);
});

void test('without DC= parts in usersDn, Active Directory needs upnSuffix', () => {
  assert.deepEqual(problems({ flavor: 'ad', usersDn: 'OU=People,O=Corp' }), [
    {
      path: 'applications.0.upnSuffix',
      message: 'usersDn has no DC= parts to take the userPrincipalName suffix from: set upnSuffix',
    },
  ]);
});

void test('each flavor gets its own connector', () => {
  assert.ok(createLdapConnector(ldapApp({})) instanceof LdapConnector);
  assert.ok(createLdapConnector(ldapApp({ flavor: 'ad' })) instanceof ActiveDirectoryConnector);
});
