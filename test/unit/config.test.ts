// Configuration loading: secrets from the environment, the policy file beside it, and errors that name
// the offending file and key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, loadPolicy, policyVersionOf, temporalSettings } from '../../config/load';
import type { JmlConfig } from '../../domain/config';
import { makePolicySchema, type Policy } from '../../domain/policy-schema';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'jml.yaml');
const EXAMPLE_POLICY = join(dirname(EXAMPLE), 'policy.yaml');
const env = {
  JML_HR_WEBHOOK_SECRET: 'hr-secret',
  JML_API_TOKEN: 'api-token',
  JML_PERSONAL_TOKEN_SECRET: 'personal-token-secret',
  SAMPLE_SCIM_TOKEN: 'scim-token',
};

let dir: string;
let files = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'jml-config-test-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeTemp(text: string, kind = 'config'): string {
  files += 1;
  const path = join(dir, `${kind}-${files}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** Writes the policy and a configuration that names it (unless the data names its own policy). */
function writeConfig(data: unknown, policy: unknown = minimalPolicy()): { path: string; policyPath: string } {
  const policyPath = writeTemp(stringify(policy), 'policy');
  const text =
    typeof data === 'string'
      ? data
      : stringify({ policy: basename(policyPath), ...(data as Record<string, unknown>) });
  return { path: writeTemp(text), policyPath };
}

/** A small valid configuration, as plain data to be changed per test and written as YAML. */
function minimal(): Record<string, unknown> {
  return {
    http: { hrWebhookSecret: { env: 'JML_HR_WEBHOOK_SECRET' }, apiToken: { env: 'JML_API_TOKEN' } },
    applications: [
      {
        id: 'crm',
        kind: 'scim',
        baseUrl: 'https://crm.example.com/scim/v2',
        token: { env: 'SAMPLE_SCIM_TOKEN' },
      },
      {
        id: 'directory',
        kind: 'ldap',
        url: 'ldaps://ldap.example.com',
        bindDn: 'cn=jml,dc=example,dc=com',
        bindPassword: { env: 'SAMPLE_SCIM_TOKEN' },
        usersDn: 'ou=people,dc=example,dc=com',
        groupsDn: 'ou=groups,dc=example,dc=com',
      },
    ],
  };
}

/** A small valid policy for `minimal()`, as plain data to be changed per test. */
function minimalPolicy(): Record<string, unknown> & {
  applications: Record<string, { entitlements: Record<string, unknown> }>;
  roles: Record<string, unknown>[];
} {
  return {
    version: 'test-1',
    applications: { crm: { entitlements: { users: {} } }, directory: { entitlements: { staff: {} } } },
    roles: [{ id: 'all', grants: { crm: ['users'] } }],
  };
}

/** Loads the data as YAML files and returns the ConfigError it must raise, which names `file`. */
function rejected(path: string, withEnv: NodeJS.ProcessEnv, file = path): ConfigError {
  try {
    loadConfig(path, withEnv);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.file, file);
    return error;
  }
  assert.fail('configuration should have been rejected');
}

/** A configuration problem: the error names the configuration file. */
function problemsOf(data: unknown, withEnv: NodeJS.ProcessEnv = env): ConfigError {
  return rejected(writeConfig(data).path, withEnv);
}

/** A policy problem: the error names the policy file, not the configuration that points to it. */
function policyProblemsOf(policy: unknown, data: unknown = minimal()): ConfigError {
  const { path, policyPath } = writeConfig(data, policy);
  return rejected(path, env, policyPath);
}

void describe('loadConfig', () => {
  void test('loads the example configuration and resolves its secrets from the environment', () => {
    const loaded = loadConfig(EXAMPLE, env);
    assert.equal(loaded.path, EXAMPLE);
    assert.equal(loaded.config.http.hrWebhookSecret, 'hr-secret');
    assert.equal(loaded.config.http.apiToken, 'api-token');
    assert.equal(loaded.config.http.personalTokenSecret, 'personal-token-secret');
    assert.equal(loaded.config.http.signatureTolerance, 300_000);
    assert.equal(loaded.config.lifecycle.joinerLeadTime, 86_400_000);
    assert.deepEqual(
      loaded.config.applications.map((a) => [a.id, a.kind, a.deprovision]),
      [
        ['crm', 'scim', 'disable'],
        ['wiki', 'scim', 'delete'],
        ['badge', 'manual', 'disable'],
      ],
    );
    for (const app of loaded.config.applications) {
      if (app.kind === 'scim') assert.equal(app.token, 'scim-token');
      assert.equal(app.requestTimeout, 10_000);
    }
    assert.deepEqual(
      loaded.config.samples.map((s) => (s.kind === 'scim' ? s.token : s.application.id)),
      ['scim-token', 'scim-token', 'sso', 'warehouse'],
    );
    assert.equal(loaded.config.policy, 'policy.yaml');
    assert.equal(loaded.policyPath, EXAMPLE_POLICY);
    assert.deepEqual(loaded.policy.roles[0]?.when, {}, 'an absent `when` defaults to match-all');
    assert.ok(loaded.policyVersion.startsWith(`${loaded.policy.version}@sha256:`), loaded.policyVersion);
    assert.match(loaded.policyVersion, /^[^@]+@sha256:[0-9a-f]{12}$/);
  });

  void test('applies defaults to a minimal file', () => {
    const { config } = loadConfig(writeConfig(minimal()).path, env);
    assert.deepEqual(config.temporal, { namespace: 'default', taskQueue: 'jml' });
    assert.equal(config.http.host, '127.0.0.1');
    assert.equal(config.http.port, 8080);
    assert.equal(config.http.maxBodyBytes, 65_536);
    assert.equal(config.http.maxRosterBytes, 16_777_216);
    assert.deepEqual(config.lifecycle, {
      joinerLeadTime: 86_400_000,
      maxRetryInterval: 60_000,
      moverOverlap: 0,
      deprovisionDeadline: 3_600_000,
    });
    assert.deepEqual(config.samples, []);
    const ldap = config.applications[1];
    assert.equal(ldap?.kind, 'ldap');
    assert.equal(ldap.kind === 'ldap' && ldap.flavor, 'openldap');
    assert.equal(ldap.bindPassword, 'scim-token');
  });

  void test('a missing environment variable is reported at the key that refers to it', () => {
    const { JML_HR_WEBHOOK_SECRET: _unset, ...partial } = env;
    const error = problemsOf(minimal(), partial);
    assert.deepEqual(error.problems, [
      { path: 'http.hrWebhookSecret', message: 'environment variable JML_HR_WEBHOOK_SECRET is not set' },
    ]);
  });

  void test('an empty environment variable counts as not set', () => {
    const error = problemsOf(minimal(), { ...env, JML_API_TOKEN: '' });
    assert.deepEqual(error.problems, [
      { path: 'http.apiToken', message: 'environment variable JML_API_TOKEN is not set' },
    ]);
  });

  void test('a secret written in the file instead of an env reference is rejected', () => {
    const data = minimal();
    (data.http as Record<string, unknown>).apiToken = 'literal-token';
    assert.deepEqual(
      problemsOf(data).problems.map((p) => p.path),
      ['http.apiToken'],
    );
  });

  void test('a bad URL is named by its application index', () => {
    const data = minimal();
    (data.applications as Record<string, unknown>[])[0]!.baseUrl = 'not a url';
    assert.deepEqual(problemsOf(data).problems, [
      { path: 'applications.0.baseUrl', message: 'must be an http:// or https:// URL' },
    ]);
  });

  void test('a bad LDAP URL is named', () => {
    const data = minimal();
    (data.applications as Record<string, unknown>[])[1]!.url = 'http://ldap.example.com';
    assert.deepEqual(problemsOf(data).problems, [
      { path: 'applications.1.url', message: 'must be an ldap:// or ldaps:// URL' },
    ]);
  });

  void test('a duplicate application id is reported at the second one', () => {
    const data = minimal();
    (data.applications as Record<string, unknown>[])[1]!.id = 'crm';
    assert.deepEqual(problemsOf(data).problems, [
      { path: 'applications.1.id', message: 'duplicate application id "crm"' },
    ]);
  });

  void test('a duplicate id is reported together with problems elsewhere in the file', () => {
    const data = minimal();
    (data.applications as Record<string, unknown>[])[1]!.id = 'crm';
    data.lifecycle = { joinerLeadTime: '1 day' };
    const paths = problemsOf(data, { JML_API_TOKEN: 'x', SAMPLE_SCIM_TOKEN: 'y' }).problems.map(
      (p) => p.path,
    );
    assert.deepEqual(paths.sort(), ['applications.1.id', 'http.hrWebhookSecret', 'lifecycle.joinerLeadTime']);
  });

  void test('a SCIM base URL must be http or https', () => {
    const data = minimal();
    (data.applications as Record<string, unknown>[])[0]!.baseUrl = 'javascript:alert(1)';
    assert.deepEqual(problemsOf(data).problems, [
      { path: 'applications.0.baseUrl', message: 'must be an http:// or https:// URL' },
    ]);
  });

  void test('a role granting in an unknown application names the policy file, the role and the grant', () => {
    const policy = minimalPolicy();
    policy.roles = [
      { id: 'ok', grants: { crm: ['users'] } },
      { id: 'bad', grants: { crm: ['users'], wiki: ['staff'] } },
    ];
    assert.deepEqual(policyProblemsOf(policy).problems, [
      {
        path: 'roles.1.grants.wiki.0',
        message: 'entitlement "staff" is not declared under applications.wiki.entitlements',
      },
    ]);
  });

  void test('a role granting an undeclared entitlement is reported in the policy file at the grant', () => {
    const policy = minimalPolicy();
    policy.roles = [
      { id: 'ok', grants: { crm: ['users'] } },
      { id: 'bad', grants: { crm: ['admins'] } },
    ];
    const error = policyProblemsOf(policy);
    assert.deepEqual(error.problems, [
      {
        path: 'roles.1.grants.crm.0',
        message: 'entitlement "admins" is not declared under applications.crm.entitlements',
      },
    ]);
    assert.equal(error.message.split('\n')[0], `invalid configuration in ${error.file}:`);
  });

  void test('a policy naming an application that is not configured is an error at that application', () => {
    const policy = minimalPolicy();
    policy.applications.wiki = { entitlements: { staff: {} } };
    assert.deepEqual(policyProblemsOf(policy).problems, [
      { path: 'applications.wiki', message: '"wiki" is not a configured application' },
    ]);
  });

  void test('the policy path is resolved relative to the configuration file', () => {
    const shared = join(dir, 'shared');
    const sub = join(dir, 'sub');
    mkdirSync(shared, { recursive: true });
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(shared, 'access.yaml'), stringify(minimalPolicy()));
    const path = join(sub, 'jml.yaml');
    writeFileSync(path, stringify({ ...minimal(), policy: '../shared/access.yaml' }));
    const loaded = loadConfig(path, env);
    assert.equal(loaded.policyPath, join(shared, 'access.yaml'));
    assert.equal(loaded.policy.version, 'test-1');

    const byDefault = join(shared, 'jml.yaml');
    writeFileSync(join(shared, 'policy.yaml'), stringify({ ...minimalPolicy(), version: 'default' }));
    writeFileSync(byDefault, stringify(minimal()));
    const loadedByDefault = loadConfig(byDefault, env);
    assert.equal(loadedByDefault.config.policy, 'policy.yaml');
    assert.equal(loadedByDefault.policyPath, join(shared, 'policy.yaml'));
    assert.equal(loadedByDefault.policy.version, 'default');
  });

  void test('a missing policy file is a file problem of the policy path', () => {
    const path = writeTemp(stringify({ ...minimal(), policy: 'no-such-policy.yaml' }));
    const error = rejected(path, env, join(dir, 'no-such-policy.yaml'));
    assert.equal(error.problems.length, 1);
    assert.equal(error.problems[0]?.path, '(file)');
    assert.match(error.problems[0]?.message ?? '', /ENOENT/);
  });

  void test('invalid YAML in the policy is a YAML problem of the policy path', () => {
    const policyPath = writeTemp('roles: [\n', 'policy');
    const path = writeTemp(stringify({ ...minimal(), policy: basename(policyPath) }));
    const error = rejected(path, env, policyPath);
    assert.deepEqual(
      error.problems.map((p) => p.path),
      ['(yaml)'],
    );
  });

  void test('a configuration problem is reported before the policy is read', () => {
    const data = minimal();
    data.lifecycle = { joinerLeadTime: '1 day' };
    const error = problemsOf({ ...data, policy: 'no-such-policy.yaml' });
    assert.deepEqual(
      error.problems.map((p) => p.path),
      ['lifecycle.joinerLeadTime'],
    );
  });

  void test('a bad duration names the key and the value', () => {
    const data = minimal();
    data.lifecycle = { joinerLeadTime: '1 day' };
    assert.deepEqual(problemsOf(data).problems, [
      { path: 'lifecycle.joinerLeadTime', message: '"1 day" is not a duration like 90s, 15m, 2h or 3d' },
    ]);
  });

  void test('unknown keys are rejected (strict), at the object that holds them', () => {
    const data = minimal();
    (data.http as Record<string, unknown>).prot = 9090;
    data.extra = true;
    const problems = problemsOf(data).problems;
    assert.deepEqual(problems.map((p) => p.path).sort(), ['(root)', 'http']);
    assert.ok(problems.some((p) => p.path === 'http' && p.message.includes('"prot"')));
    assert.ok(problems.some((p) => p.path === '(root)' && p.message.includes('"extra"')));
  });

  void test('roles are no longer accepted in the configuration file', () => {
    const data = minimal();
    data.roles = [{ id: 'all', grants: { crm: ['users'] } }];
    const problems = problemsOf(data).problems;
    assert.deepEqual(
      problems.map((p) => p.path),
      ['(root)'],
    );
    assert.match(problems[0]?.message ?? '', /"roles"/);
  });

  void test('an unknown role attribute is rejected in the policy file', () => {
    const policy = minimalPolicy();
    policy.roles = [{ id: 'r', when: { team: ['x'] }, grants: { crm: ['users'] } }];
    assert.deepEqual(
      policyProblemsOf(policy).problems.map((p) => p.path),
      ['roles.0.when'],
    );
  });

  void test('invalid YAML is reported as a YAML problem', () => {
    const error = problemsOf('http:\n  port: [8080\napplications: {\n');
    assert.equal(error.problems.length, 1);
    assert.equal(error.problems[0]?.path, '(yaml)');
  });

  void test('a missing file is reported as a file problem', () => {
    const path = join(dir, 'does-not-exist.yaml');
    assert.throws(
      () => loadConfig(path, env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.file, path);
        assert.equal(error.problems.length, 1);
        assert.equal(error.problems[0]?.path, '(file)');
        assert.match(error.problems[0]?.message ?? '', /ENOENT/);
        return true;
      },
    );
  });

  void test('an empty file is rejected, not taken as an empty configuration', () => {
    assert.deepEqual(
      problemsOf('').problems.map((p) => p.path),
      ['(root)'],
    );
  });

  void test('the error message lists every problem, one line each, naming the file', () => {
    const data = minimal();
    (data.applications as Record<string, unknown>[])[0]!.baseUrl = 'nope';
    data.lifecycle = { maxRetryInterval: 'often' };
    const error = problemsOf(data, { JML_API_TOKEN: 'x', SAMPLE_SCIM_TOKEN: 'y' });
    assert.deepEqual(error.problems.map((p) => p.path).sort(), [
      'applications.0.baseUrl',
      'http.hrWebhookSecret',
      'lifecycle.maxRetryInterval',
    ]);
    const lines = error.message.split('\n');
    assert.equal(lines[0], `invalid configuration in ${error.file}:`);
    assert.equal(lines.length, 1 + error.problems.length);
    for (const problem of error.problems) {
      assert.ok(lines.includes(`  - ${problem.path}: ${problem.message}`), problem.path);
    }
    assert.equal(error.name, 'ConfigError');
  });

  void test('cross-application checks are reported together with a bad URL', () => {
    const data = minimal();
    const apps = data.applications as Record<string, unknown>[];
    apps[0]!.baseUrl = 'nope';
    apps[1]!.id = 'crm';
    assert.deepEqual(
      problemsOf(data).problems.map((p) => p.path),
      ['applications.0.baseUrl', 'applications.1.id'],
    );
  });
});

/** The same data with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  );
}

void describe('policyVersionOf', () => {
  const base = (): Policy => loadPolicy(EXAMPLE_POLICY).policy;
  const schema = makePolicySchema();

  void test('is `<version>@sha256:<12 hex>` and matches what loading reports', () => {
    const policy = base();
    assert.equal(policyVersionOf(policy).replace(/[0-9a-f]{12}$/, ''), `${policy.version}@sha256:`);
    assert.equal(policyVersionOf(policy), loadPolicy(EXAMPLE_POLICY).policyVersion);
    assert.equal(policyVersionOf(policy), loadConfig(EXAMPLE, env).policyVersion);
    assert.match(
      policyVersionOf(schema.parse({ version: 'v7', applications: {} })),
      /^v7@sha256:[0-9a-f]{12}$/,
    );
  });

  void test('is stable for the same policy, and ignores the configuration that points to it', () => {
    assert.equal(policyVersionOf(base()), policyVersionOf(base()));
    const other = writeTemp(
      stringify({
        ...minimal(),
        applications: [
          { id: 'crm', kind: 'scim', baseUrl: 'https://c.example.com', token: { env: 'SAMPLE_SCIM_TOKEN' } },
          { id: 'wiki', kind: 'scim', baseUrl: 'https://w.example.com', token: { env: 'SAMPLE_SCIM_TOKEN' } },
          { id: 'badge', kind: 'manual', fulfillers: ['E0777'] },
        ],
        samples: [
          { kind: 'keycloak', port: 9998, application: { id: 'sso' } },
          { kind: 'postgres', port: 9997, application: { id: 'warehouse' } },
        ],
        http: { ...(minimal().http as object), port: 9999 },
        lifecycle: { joinerLeadTime: '2h' },
        policy: EXAMPLE_POLICY,
      }),
    );
    assert.equal(loadConfig(other, env).policyVersion, loadConfig(EXAMPLE, env).policyVersion);
  });

  void test('does not depend on the order keys are written in, nor on defaults being spelled out', () => {
    const policy = base();
    const reordered = reversedKeys(policy) as Policy;
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(policy));
    assert.equal(policyVersionOf(reordered), policyVersionOf(policy));

    const implicit = schema.parse({ version: 'v', applications: { crm: { entitlements: { users: {} } } } });
    const explicit = schema.parse({
      version: 'v',
      approverGroups: {},
      applications: { crm: { owners: [], entitlements: { users: { risk: 'low' } } } },
      roles: [],
    });
    assert.equal(policyVersionOf(implicit), policyVersionOf(explicit));
  });

  void test('changes when anything in the policy changes, and with the version alone', () => {
    const policy = base();
    const [first, ...rest] = policy.roles;
    assert.ok(first);
    const crm = policy.applications.crm!;
    const admins = crm.entitlements['crm-admins']!;
    const variants: Policy[] = [
      policy,
      { ...policy, version: `${policy.version}-next` },
      { ...policy, roles: [{ ...first, grants: { wiki: ['staff', 'engineering'] } }, ...rest] },
      { ...policy, roles: [{ ...first, when: { location: ['Paris'] } }, ...rest] },
      { ...policy, roles: rest },
      { ...policy, approverGroups: { security: ['E0900'] } },
      { ...policy, applications: { ...policy.applications, crm: { ...crm, owners: ['E0201'] } } },
      {
        ...policy,
        applications: {
          ...policy.applications,
          crm: {
            ...crm,
            entitlements: { ...crm.entitlements, 'crm-admins': { ...admins, risk: 'critical' } },
          },
        },
      },
      {
        ...policy,
        applications: {
          ...policy.applications,
          crm: {
            ...crm,
            entitlements: {
              ...crm.entitlements,
              'crm-admins': { ...admins, approval: { ...admins.approval!, chain: ['manager', 'owner'] } },
            },
          },
        },
      },
    ];
    const versions = new Set(variants.map(policyVersionOf));
    assert.equal(versions.size, variants.length);
    const changedVersion = policyVersionOf(variants[1]!);
    assert.ok(changedVersion.startsWith(`${policy.version}-next@sha256:`), changedVersion);
    assert.notEqual(
      changedVersion.slice(-12),
      policyVersionOf(policy).slice(-12),
      'the hash covers the version',
    );
  });
});

void describe('temporalSettings', () => {
  const config = (): JmlConfig => loadConfig(EXAMPLE, env).config;

  void test('without TEMPORAL_* variables, uses the file: no address means the embedded dev server', () => {
    assert.deepEqual(temporalSettings(config(), {}), {
      address: undefined,
      namespace: 'default',
      taskQueue: 'jml',
      apiKey: undefined,
      tls: undefined,
    });
  });

  void test('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE override the file', () => {
    const c = config();
    const fromFile: JmlConfig = {
      ...c,
      temporal: { ...c.temporal, address: 'file:7233', namespace: 'file-ns' },
    };
    assert.equal(temporalSettings(fromFile, {}).address, 'file:7233');
    assert.equal(temporalSettings(fromFile, {}).namespace, 'file-ns');
    const settings = temporalSettings(fromFile, {
      TEMPORAL_ADDRESS: 'env.example.com:7233',
      TEMPORAL_NAMESPACE: 'env-ns',
    });
    assert.equal(settings.address, 'env.example.com:7233');
    assert.equal(settings.namespace, 'env-ns');
    assert.equal(settings.taskQueue, 'jml');
  });

  void test('an API key turns TLS on, unless TEMPORAL_TLS=false', () => {
    const withKey = temporalSettings(config(), { TEMPORAL_API_KEY: 'key' });
    assert.equal(withKey.apiKey, 'key');
    assert.ok(withKey.tls);
    assert.equal(
      temporalSettings(config(), { TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'false' }).tls,
      undefined,
    );
    assert.ok(temporalSettings(config(), { TEMPORAL_TLS: 'true' }).tls);
  });

  void test('a client certificate and key are read together', () => {
    const crt = writeTemp('CERT');
    const key = writeTemp('KEY');
    const settings = temporalSettings(config(), {
      TEMPORAL_TLS_CLIENT_CERT_PATH: crt,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
    });
    assert.equal(settings.tls?.serverName, 'temporal.example.com');
    assert.equal(settings.tls?.clientCertPair?.crt.toString(), 'CERT');
    assert.equal(settings.tls?.clientCertPair?.key.toString(), 'KEY');
  });

  void test('a certificate without a key (or a key without a certificate) is a ConfigError', () => {
    const file = writeTemp('PEM');
    for (const partial of [{ TEMPORAL_TLS_CLIENT_CERT_PATH: file }, { TEMPORAL_TLS_CLIENT_KEY_PATH: file }]) {
      assert.throws(
        () => temporalSettings(config(), partial),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.file, 'environment');
          assert.deepEqual(error.problems, [
            {
              path: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
              message: 'client certificate and key must be set together',
            },
          ]);
          return true;
        },
      );
    }
  });

  void test('a TLS file that cannot be read is a ConfigError naming the variable', () => {
    assert.throws(
      () => temporalSettings(config(), { TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing-ca.pem') }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems[0]?.path === 'TEMPORAL_TLS_SERVER_CA_CERT_PATH' &&
        /ENOENT/.test(error.problems[0].message),
    );
  });

  void test('an invalid TEMPORAL_TLS value is a ConfigError naming the variable', () => {
    assert.throws(
      () => temporalSettings(config(), { TEMPORAL_TLS: 'yes' }),
      (error: unknown) => error instanceof ConfigError && error.problems[0]?.path === 'TEMPORAL_TLS',
    );
  });
});
