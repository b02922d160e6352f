// `jml approvals` and `jml tasks`: a table by default, the API's answer with --json, and the filter
// and token they send.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApprovalRequest, ManualTask } from '../../domain/lifecycle';
import { jml, standIn, type StandIn } from './cli-run';

const APPROVAL = {
  requestId: 'apr-1a2b3c4d-1-E1002',
  employeeId: 'E1002',
  appId: 'crm',
  entitlement: 'crm-admins',
  risk: 'high',
  stepLabel: 'manager',
  approvers: ['E0001'],
  stepDeadline: '2026-12-03T09:00:00.000Z',
  status: 'pending',
} as unknown as ApprovalRequest;

const TASK = {
  taskId: 'task-1a2b3c4d-1-E1002',
  employeeId: 'E1002',
  appId: 'badge',
  instructions: 'create the account if missing and grant badge-nyc',
  assignees: ['E0500'],
  deadline: '2026-12-04T09:00:00.000Z',
  escalations: 1,
} as unknown as ManualTask;

let api: StandIn;
const seen: { url?: string; authorization?: string }[] = [];

before(async () => {
  api = await standIn((req) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    if (req.url?.startsWith('/v1/approvals')) {
      return { status: 200, body: { approvals: req.url.includes('approver=E9999') ? [] : [APPROVAL] } };
    }
    if (req.url?.startsWith('/v1/tasks')) return { status: 200, body: { tasks: [TASK] } };
    return { status: 404, body: { error: 'not_found' } };
  });
});

after(() => api.close());

void describe('jml listings', { concurrency: true }, () => {
  void test('approvals: a table with a header row, columns lined up', async () => {
    const run = await jml(['approvals'], { JML_URL: api.url });
    assert.equal(run.code, 0, run.stderr);
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    assert.deepEqual(rest, []);
    assert.match(header!, /^REQUEST +EMPLOYEE +APP +ENTITLEMENT +RISK +WAITS FOR +APPROVERS +UNTIL$/);
    assert.match(
      row!,
      /^apr-1a2b3c4d-1-E1002 +E1002 +crm +crm-admins +high +manager +E0001 +2026-12-03T09:00:00\.000Z$/,
    );
    assert.equal(header!.indexOf('APP'), row!.indexOf('crm'), 'columns line up');
  });

  void test('approvals --json: the API answer; an empty list says so in words without it', async () => {
    const run = await jml(['approvals', '--json', '--approver', 'E0001'], {
      JML_URL: api.url,
      JML_PERSONAL_TOKEN: 'jmlp.1.ab.E0001',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { approvals: [APPROVAL] });
    assert.ok(
      seen.some(
        (s) => s.url === '/v1/approvals?approver=E0001' && s.authorization === 'Bearer jmlp.1.ab.E0001',
      ),
    );
    const none = await jml(['approvals', '--approver', 'E9999'], { JML_URL: api.url });
    assert.equal(none.stdout.trim(), 'nothing waits for approval');
    const noneJson = await jml(['approvals', '--approver', 'E9999', '--json'], { JML_URL: api.url });
    assert.deepEqual(JSON.parse(noneJson.stdout), { approvals: [] });
  });

  void test('tasks: a table, and --json the API answer', async () => {
    const run = await jml(['tasks', '--assignee', 'E0500'], { JML_URL: api.url });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^TASK +EMPLOYEE +APP +ASSIGNED TO +UNTIL +ESCALATED +INSTRUCTIONS$/);
    assert.match(
      lines[1]!,
      /^task-1a2b3c4d-1-E1002 +E1002 +badge +E0500 +2026-12-04T09:00:00\.000Z +1× +create the account/,
    );
    assert.ok(
      seen.some((s) => s.url === '/v1/tasks?assignee=E0500' && s.authorization === 'Bearer api-token'),
    );
    const json = await jml(['tasks', '--json'], { JML_URL: api.url });
    assert.deepEqual(JSON.parse(json.stdout), { tasks: [TASK] });
  });
});
