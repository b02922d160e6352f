// The sample applications of `npm start`: which ones JML_SAMPLES switches on, how the configuration
// checks them, and that the example policy's rules for the Keycloak and PostgreSQL samples' applications
// plan nothing while those samples are off and give Ada access in both while they run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, loadConfig, type LoadedConfig } from '../../config/load';
import type { ApplicationConfig } from '../../domain/config';
import { employeeSchema } from '../../domain/hr-event';
import { planAccess } from '../../domain/policy';
import { chooseSamples, samplePorts, withSampleApplications } from '../../scripts/lib/samples';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'config', 'jml.yaml');
const env = {
  JML_HR_WEBHOOK_SECRET: 'hr-secret',
  JML_API_TOKEN: 'api-token',
  JML_PERSONAL_TOKEN_SECRET: 'personal-token-secret',
  SAMPLE_SCIM_TOKEN: 'scim-token',
};

let dir: string;
let files = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'jml-samples-test-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

type RawConfig = Record<string, unknown> & { samples: Record<string, unknown>[] };

/** The example configuration as data, with the example policy at its absolute path. */
function example(): RawConfig {
  const raw = parse(readFileSync(EXAMPLE, 'utf8')) as RawConfig;
  return { ...raw, policy: join(ROOT, 'config', 'policy.yaml') };
}

function load(raw: unknown): LoadedConfig {
  files += 1;
  const path = join(dir, `jml-${files}.yaml`);
  writeFileSync(path, stringify(raw));
  return loadConfig(path, env);
}

function problems(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

void describe('chooseSamples (JML_SAMPLES)', () => {
  const loaded = () => loadConfig(EXAMPLE, env);
  const kinds = (names?: string) =>
    chooseSamples(loaded(), names === undefined ? {} : { JML_SAMPLES: names }).map((s) => s.kind);

  void test('without it, only the SCIM samples run', () => {
    assert.deepEqual(kinds(), ['scim', 'scim']);
    assert.deepEqual(kinds(''), ['scim', 'scim']);
  });

  void test('it switches on the Keycloak and PostgreSQL samples by kind, alone or together', () => {
    assert.deepEqual(kinds('keycloak,postgres'), ['scim', 'scim', 'keycloak', 'postgres']);
    assert.deepEqual(kinds(' postgres , keycloak '), ['scim', 'scim', 'keycloak', 'postgres']);
    assert.deepEqual(kinds('postgres'), ['scim', 'scim', 'postgres']);
  });

  void test('a name that is not an optional kind is refused, naming it and the ones there are', () => {
    const found = problems(() => kinds('keycloak,ldap'));
    assert.deepEqual(found, [
      {
        path: 'JML_SAMPLES',
        message: '"ldap" is not a sample that can be switched on (keycloak, postgres)',
      },
    ]);
    assert.equal(problems(() => kinds('scim'))[0]?.path, 'JML_SAMPLES');
  });

  void test('a kind the configuration has no sample of is refused, naming the file', () => {
    const raw = example();
    // Without the PostgreSQL sample nothing brings `warehouse`: the policy may not name it either.
    const policy = parse(readFileSync(raw.policy as string, 'utf8')) as {
      applications: Record<string, unknown>;
      roles: { grants: Record<string, unknown> }[];
    };
    delete policy.applications.warehouse;
    for (const role of policy.roles) delete role.grants.warehouse;
    const policyPath = join(dir, 'policy-without-warehouse.yaml');
    writeFileSync(policyPath, stringify(policy));
    const without = load({
      ...raw,
      policy: policyPath,
      samples: raw.samples.filter((s) => s.kind !== 'postgres'),
    });
    assert.deepEqual(
      problems(() => chooseSamples(without, { JML_SAMPLES: 'postgres' })),
      [{ path: 'JML_SAMPLES', message: `there is no postgres sample under samples in ${without.path}` }],
    );
  });

  void test('each sample names the port it needs and what it is', () => {
    assert.deepEqual(samplePorts(chooseSamples(loaded(), { JML_SAMPLES: 'keycloak,postgres' })), [
      { port: 9101, what: 'sample SCIM application' },
      { port: 9102, what: 'sample SCIM application' },
      { port: 9103, what: 'sample Keycloak' },
      { port: 9104, what: 'sample PostgreSQL' },
    ]);
  });
});

void describe('samples in the configuration', () => {
  /** The example with its Keycloak (index 2) or PostgreSQL (index 3) sample changed. */
  function withSample(index: number, change: Record<string, unknown>): RawConfig {
    const raw = example();
    raw.samples[index] = { ...raw.samples[index], ...change };
    return raw;
  }

  void test("the example's Keycloak and PostgreSQL samples bring the applications sso and warehouse", () => {
    const { config } = loadConfig(EXAMPLE, env);
    const brought = config.samples.flatMap((s) => (s.kind === 'scim' ? [] : [[s.kind, s.application]]));
    assert.deepEqual(brought, [
      [
        'keycloak',
        {
          id: 'sso',
          displayName: 'Single sign-on (sample Keycloak)',
          deprovision: 'disable',
          requestTimeout: 10_000,
        },
      ],
      [
        'postgres',
        {
          id: 'warehouse',
          displayName: 'Data warehouse (sample PostgreSQL)',
          deprovision: 'disable',
          requestTimeout: 10_000,
        },
      ],
    ]);
    assert.deepEqual(
      config.applications.map((a) => a.id),
      ['crm', 'wiki', 'badge'],
      'configured only while they run',
    );
  });

  void test('the realm, group names and PostgreSQL names are checked, each at its key', () => {
    assert.deepEqual(
      problems(() => load(withSample(2, { realm: 'master', groups: ['staff', 'eng/backend'] }))),
      [
        { path: 'samples.2.realm', message: "must not be master, the administrators' realm" },
        { path: 'samples.2.groups.1', message: 'must be a top-level group name (no "/")' },
      ],
    );
    assert.deepEqual(
      problems(() => load(withSample(3, { database: 'Ware House', roles: ['analysts', 'x;drop'] }))),
      [
        {
          path: 'samples.3.database',
          message: 'must be a lower-case PostgreSQL name (letters, digits, "_")',
        },
        { path: 'samples.3.roles.1', message: 'must be a lower-case PostgreSQL name (letters, digits, "_")' },
      ],
    );
  });

  void test('the policy may name what a sample brings, but not what nothing configures or brings', () => {
    const raw = example();
    const found = problems(() => load({ ...raw, samples: raw.samples.filter((s) => s.kind !== 'postgres') }));
    assert.deepEqual(found, [
      { path: 'applications.warehouse', message: '"warehouse" is not a configured application' },
    ]);
  });

  void test('a sample application may not take the id of another application', () => {
    const raw = withSample(2, { application: { id: 'crm' } });
    raw.samples[3] = { ...raw.samples[3], application: { id: 'crm' } };
    assert.deepEqual(
      problems(() => load(raw)).map((p) => p.path),
      ['samples.2.application.id', 'samples.3.application.id'],
    );
  });

  void test('a sample application takes only the common application keys; the server gives the rest', () => {
    assert.deepEqual(
      problems(() => load(withSample(3, { application: { id: 'warehouse', kind: 'postgres', host: 'db' } }))),
      [{ path: 'samples.3.application', message: 'Unrecognized keys: "kind", "host"' }],
    );
  });
});

void describe('the example policy with the samples off and on', () => {
  const ada = employeeSchema.parse(
    (JSON.parse(readFileSync(join(ROOT, 'examples', 'hire.json'), 'utf8')) as { employee: unknown }).employee,
  );
  const planFor = (loaded: LoadedConfig) =>
    planAccess(
      ada,
      loaded.policy,
      loaded.config.applications.map((a) => a.id),
      loaded.policyVersion,
    ).apps;

  void test('off: the policy loads and plans nothing in the applications the samples would bring', () => {
    const loaded = loadConfig(EXAMPLE, env);
    assert.ok(loaded.policy.applications.sso && loaded.policy.applications.warehouse);
    assert.deepEqual(planFor(loaded), {
      crm: ['crm-readonly'],
      wiki: ['engineering', 'staff'],
      badge: [],
    });
  });

  void test('on: the applications they bring are configured, and Ada gets access in both', () => {
    const loaded = loadConfig(EXAMPLE, env);
    const brought = loaded.config.samples.flatMap((s) =>
      s.kind === 'scim' ? [] : [{ application: { ...s.application, kind: s.kind } as ApplicationConfig }],
    );
    const running = brought.map((b) => ({
      ...b,
      what: 'sample',
      summary: {},
      stop: () => Promise.resolve(),
    }));
    const withSamples = withSampleApplications(loaded, running);
    assert.deepEqual(
      withSamples.config.applications.map((a) => a.id),
      ['crm', 'wiki', 'badge', 'sso', 'warehouse'],
    );
    assert.deepEqual(planFor(withSamples), {
      crm: ['crm-readonly'],
      wiki: ['engineering', 'staff'],
      badge: [],
      sso: ['engineering', 'staff'],
      warehouse: ['analysts'],
    });
    assert.deepEqual(loaded.config.applications.length, 3, 'the loaded configuration is left as it was');
  });
});
