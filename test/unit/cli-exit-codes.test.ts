// Each documented exit code, against a stand-in API: 0 done, 1 refused, 2 bad input, 3 unreachable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { jml, standIn, type StandIn } from './cli-run';

let api: StandIn;

/** Status answers by employee id; an id that is not here never gets an answer. */
const IDENTITIES: Record<string, { status: number; body?: unknown }> = {
  E1001: { status: 200, body: { employeeId: 'E1001', stage: 'active', apps: [] } },
  E4040: { status: 404, body: { error: 'not_found', message: 'no identity workflow for E4040' } },
  E4290: { status: 429, body: { error: 'too_many_connections', message: 'too many connections' } },
  E5000: { status: 500, body: { error: 'internal', message: 'something broke' } },
  E5030: { status: 503, body: { error: 'temporal_unavailable', message: 'Temporal is unreachable' } },
};

before(async () => {
  api = await standIn((req, body) => {
    if (req.url === '/v1/hr/events') {
      return {
        status: 400,
        body: {
          error: 'invalid_event',
          message: 'the event is invalid',
          problems: [{ path: 'employee.email', message: 'Invalid email address' }],
        },
      };
    }
    if (req.url === '/v1/approvals/apr-conflict') {
      const { approver } = JSON.parse(body) as { approver: string };
      return { status: 409, body: { error: 'conflict', message: `${approver} may not decide apr-conflict` } };
    }
    if (req.url === '/v1/tasks/task-someone-else') {
      return {
        status: 403,
        body: { error: 'forbidden', message: 'a personal token acts only as its holder' },
      };
    }
    const id = /^\/v1\/identities\/([^/]+)$/.exec(req.url ?? '')?.[1] ?? '';
    return IDENTITIES[id];
  });
});

after(() => api.close());

const withApi = (args: string[]) => jml(args, { JML_URL: api.url });

/** A port nothing listens on: bound, noted and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

void describe('jml exit codes', { concurrency: true }, () => {
  void test('0: done', async () => {
    const run = await withApi(['status', 'E1001']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { stage: string }).stage, 'active');
    const withFlag = await withApi(['status', 'E1001', '--json']);
    assert.equal(withFlag.stdout, run.stdout, 'status is JSON with or without --json');
  });

  void test('1: refused (404, 409, 403, 500), with the reason', async () => {
    const notFound = await withApi(['status', 'E4040']);
    assert.equal(notFound.code, 1);
    assert.equal(notFound.stdout, '');
    assert.match(
      notFound.stderr,
      /^jml: reading the status of E4040 refused \(404\): no identity workflow for E4040$/m,
    );

    const conflict = await withApi(['approve', 'apr-conflict', '--as', 'E0002']);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /approve refused \(409\): E0002 may not decide apr-conflict/);

    const forbidden = await withApi(['done', 'task-someone-else', '--as', 'E0500']);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /done refused \(403\): a personal token acts only as its holder/);

    const broken = await withApi(['status', 'E5000']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /failed \(500\): something broke/);
  });

  void test('2: bad input (arguments, files, a 400 naming every problem)', async () => {
    const badArgument = await withApi(['status', 'no such id!']);
    assert.equal(badArgument.code, 2);
    const missingFile = await withApi(['event', 'does-not-exist.json']);
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /^does-not-exist\.json: cannot read: ENOENT/);
    const rejected = await withApi(['event', 'examples/hire.json']);
    assert.equal(rejected.code, 2);
    assert.match(
      rejected.stderr,
      /sending the event refused \(400\): the event is invalid\n {2}- employee\.email: Invalid email address/,
    );
    const noApprover = await withApi(['approve', 'apr-1']);
    assert.equal(noApprover.code, 2, 'without --as or a personal token');
    assert.match(noApprover.stderr, /--as <approverId> is needed without a personal token/);
  });

  void test('3: unreachable (connection refused, no answer in time, 503, 429)', async () => {
    const refused = await jml(['status', 'E1001'], { JML_URL: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /cannot reach the jml API at .*ECONNREFUSED/);

    const silent = await withApi(['status', 'E0000', '--timeout', '200ms']);
    assert.equal(silent.code, 3);
    assert.match(silent.stderr, /no answer from the jml API at .* within 200 ms/);

    const unavailable = await withApi(['status', 'E5030']);
    assert.equal(unavailable.code, 3);
    assert.match(unavailable.stderr, /failed \(503\): Temporal is unreachable/);

    const busy = await withApi(['status', 'E4290']);
    assert.equal(busy.code, 3);
  });
});
