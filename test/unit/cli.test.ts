// `jml policy check`, `jml plan` and `jml token` run for real: the CLI process, the example configuration and policy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessPlan } from '../../domain/policy';
import { verifyPersonalToken } from '../../api/personal-token';
import { jml, ROOT } from './cli-run';

const EMPLOYEE = 'examples/employee-sales-ops.json';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'jml-cli-test-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

void describe('jml policy check', { concurrency: true }, () => {
  void test('the configured policy is valid, with its version and counts', async () => {
    const run = await jml(['policy', 'check']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /config\/policy\.yaml: valid \(version [^@\s]+@sha256:[0-9a-f]{12}, 5 roles, 10 entitlements of which 1 need approval\)/,
    );
  });

  void test('a broken policy file exits 2, naming the file and every key at fault', async () => {
    const path = join(dir, 'broken-policy.yaml');
    writeFileSync(
      path,
      [
        'version: broken',
        'applications:',
        '  crm:',
        '    entitlements:',
        '      crm-admins: { risk: high }',
        'roles:',
        '  - id: sales',
        '    grants: { crm: [crm-users] }',
      ].join('\n'),
    );
    const run = await jml(['policy', 'check', path]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.ok(run.stderr.includes(`invalid configuration in ${path}:`), run.stderr);
    assert.ok(run.stderr.includes('  - applications.crm.entitlements.crm-admins: a high-risk'), run.stderr);
    assert.ok(
      run.stderr.includes('  - roles.0.grants.crm.0: entitlement "crm-users" is not declared'),
      run.stderr,
    );
  });

  void test('without a file, the configured policy is checked against the configured applications', async () => {
    const config = readFileSync(join(ROOT, 'config', 'jml.yaml'), 'utf8');
    const policy = readFileSync(join(ROOT, 'config', 'policy.yaml'), 'utf8');
    writeFileSync(join(dir, 'jml.yaml'), config);
    writeFileSync(
      join(dir, 'policy.yaml'),
      policy.replace('applications:\n', 'applications:\n  hr:\n    entitlements: { payroll: {} }\n'),
    );
    const run = await jml(['policy', 'check'], { JML_CONFIG: join(dir, 'jml.yaml') });
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(`invalid configuration in ${join(dir, 'policy.yaml')}:`), run.stderr);
    assert.ok(run.stderr.includes('  - applications.hr: "hr" is not a configured application'), run.stderr);
    const alone = await jml(['policy', 'check', join(dir, 'policy.yaml')]);
    assert.equal(alone.code, 0, 'on its own, the file is a valid policy');
  });
});

/** A stand-in for the jml API: answers GET /v1/identities/<id> from `identities`, 404 otherwise. */
function fakeApi(identities: Record<string, unknown>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const id = /^\/v1\/identities\/([^/]+)$/.exec(req.url ?? '')?.[1];
    const status = id && identities[decodeURIComponent(id)];
    const authorized = req.headers.authorization === 'Bearer api-token';
    res.writeHead(!authorized ? 401 : status ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status || { error: authorized ? 'not_found' : 'unauthorized' }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

void describe('jml plan', { concurrency: true }, () => {
  void test('shows the version, roles, entitlements with risk, and the approval chain resolved', async () => {
    const run = await jml(['plan', EMPLOYEE]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.match(lines[0] ?? '', /^policy version [^@\s]+@sha256:[0-9a-f]{12}$/);
    for (const line of [
      'roles: all-staff, sales, new-york-office, sales-operations',
      'badge:',
      '  badge-nyc (low; roles: new-york-office)',
      'crm:',
      '  crm-admins (high; roles: sales-operations) needs approval, asked in order:',
      '    1. manager: E0001',
      '    2. owner of crm: E0200',
      '    3. group security: E0900, E0901',
      '    each step has 2d to decide (reminder after 1d); the access ends 30d after it is granted',
      '  crm-users (medium; roles: sales)',
      'wiki:',
      '  sales (low; roles: sales)',
      '  staff (low; roles: all-staff)',
    ]) {
      assert.ok(lines.includes(line), `missing line ${JSON.stringify(line)} in:\n${run.stdout}`);
    }
  });

  void test('an invalid employee exits 2, naming the fields', async () => {
    const path = join(dir, 'bad-employee.json');
    const employee = JSON.parse(readFileSync(join(ROOT, EMPLOYEE), 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...employee, email: 'nope', employmentType: 'robot' }));
    const run = await jml(['plan', path]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`^${path}: email: `, 'm'));
    assert.match(run.stderr, new RegExp(`^${path}: employmentType: `, 'm'));
  });

  void test('--diff against the API: grants and revocations, or everything for someone unknown', async () => {
    const current: AccessPlan = {
      policyVersion: '2026.10.1@sha256:000000000000',
      roles: ['all-staff', 'sales'],
      apps: { crm: ['crm-readonly', 'crm-users'], wiki: ['sales', 'staff'] },
      entitlements: [],
    };
    const { server, url } = await fakeApi({ E1002: { employeeId: 'E1002', stage: 'active', plan: current } });
    try {
      const known = await jml(['plan', '--diff', EMPLOYEE], { JML_URL: url });
      assert.equal(known.code, 0, known.stderr);
      const diff = known.stdout
        .slice(known.stdout.indexOf('\n\n') + 2)
        .trimEnd()
        .split('\n');
      assert.deepEqual(diff, [
        'against what jml holds now (active, policy version 2026.10.1@sha256:000000000000):',
        'crm:',
        '  + crm-admins',
        '  - crm-readonly',
        'wiki: no change',
        'badge:',
        '  + badge-nyc',
      ]);

      const stranger = join(dir, 'stranger.json');
      const employee = JSON.parse(readFileSync(join(ROOT, EMPLOYEE), 'utf8')) as Record<string, unknown>;
      writeFileSync(stranger, JSON.stringify({ ...employee, id: 'E4040' }));
      const unknown = await jml(['plan', stranger, '--diff', '--json'], { JML_URL: url });
      assert.equal(unknown.code, 0, unknown.stderr);
      const result = JSON.parse(unknown.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(result), ['policyVersion', 'roles', 'entitlements', 'diff']);
      assert.deepEqual(result.diff, {
        known: false,
        apps: {
          crm: { grant: ['crm-admins', 'crm-users'], revoke: [] },
          wiki: { grant: ['sales', 'staff'], revoke: [] },
          badge: { grant: ['badge-nyc'], revoke: [] },
        },
      });

      const refused = await jml(['plan', '--diff', EMPLOYEE], { JML_URL: url, JML_API_TOKEN: 'wrong' });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /401/);
    } finally {
      server.close();
    }
  });

  void test('--json prints the machine-readable plan, without a diff unless asked', async () => {
    const run = await jml(['plan', '--json', EMPLOYEE]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      policyVersion: string;
      roles: string[];
      entitlements: { appId: string }[];
    };
    assert.deepEqual(Object.keys(result), ['policyVersion', 'roles', 'entitlements']);
    assert.deepEqual(
      result.entitlements.map((e) => e.appId),
      ['badge', 'crm', 'crm', 'wiki', 'wiki'],
      'sorted by application',
    );
    assert.deepEqual(result.roles, ['all-staff', 'sales', 'new-york-office', 'sales-operations']);
    assert.deepEqual(result.entitlements[1], {
      appId: 'crm',
      entitlement: 'crm-admins',
      risk: 'high',
      roles: ['sales-operations'],
      approval: {
        chain: [
          { label: 'manager', approvers: ['E0001'] },
          { label: 'owner of crm', approvers: ['E0200'] },
          { label: 'group security', approvers: ['E0900', 'E0901'] },
        ],
        stepTimeoutMs: 2 * 86_400_000,
        reminderAfterMs: 86_400_000,
      },
      maxDurationMs: 30 * 86_400_000,
    });
  });

  void test('an unknown option is a usage error', async () => {
    const run = await jml(['plan', '--dif', EMPLOYEE]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown option '--dif'/);
    assert.match(run.stderr, /Did you mean --diff\?/);
  });
});

void describe('jml token', { concurrency: true }, () => {
  void test('issues a personal token for the employee that verifies with the secret', async () => {
    const run = await jml(['token', 'E0001', '--valid', '12h']);
    assert.equal(run.code, 0, run.stderr);
    const token = run.stdout.trim();
    assert.deepEqual(verifyPersonalToken(token, 'personal-token-secret'), { ok: true, employeeId: 'E0001' });
    const expires = Number(token.split('.')[1]) * 1000;
    assert.ok(Math.abs(expires - (Date.now() + 12 * 3_600_000)) < 60_000, 'valid for 12h');
  });

  void test('a bad employee id or duration is a usage error', async () => {
    const badId = await jml(['token', 'not an id']);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /invalid for argument 'employeeId'\. must be letters, digits/);
    assert.match(badId.stderr, /usage: jml token \[options\] <employeeId>/);
    const badDuration = await jml(['token', 'E0001', '--valid', 'forever']);
    assert.equal(badDuration.code, 2);
    assert.match(
      badDuration.stderr,
      /--valid <duration>' argument 'forever' is invalid\. "forever" is not a duration/,
    );
  });
});
