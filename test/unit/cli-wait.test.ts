// `jml event --wait` against a stand-in API whose status answers change from poll to poll: one line
// per application each time its status changes, the end of the step, and the exit code it ends with.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AppProgress, IdentityStatus } from '../../domain/lifecycle';
import { jml, standIn, type StandIn } from './cli-run';

const EVENT_ID = 'example-hire-E1001';

function status(stage: IdentityStatus['stage'], apps: AppProgress[], more: Partial<IdentityStatus> = {}) {
  return {
    employeeId: 'E1001',
    stage,
    waitingFor: stage === 'joining' ? 'granting access in crm, wiki' : 'waiting for HR events',
    needsAttention: false,
    current: { eventId: EVENT_ID, type: 'hire' },
    queued: [],
    apps,
    approvals: [],
    tasks: [],
    scheduled: [],
    revocations: [],
    history: [],
    ...more,
  };
}

const working = (appId: string, attempts = 1): AppProgress => ({ appId, status: 'working', attempts });
const verified = (appId: string, verifiedAt = '2026-12-01T09:00:02.000Z'): AppProgress => ({
  appId,
  status: 'verified',
  attempts: 1,
  verifiedAt,
});
const failing: AppProgress = {
  appId: 'wiki',
  status: 'failing',
  attempts: 2,
  lastProblem: 'HTTP 502 from wiki',
};
const stalled: AppProgress = {
  appId: 'wiki',
  status: 'stalled',
  attempts: 3,
  callingSince: '2026-12-01T09:00:03.000Z',
};
const completed: Partial<IdentityStatus> = {
  history: [
    {
      eventId: EVENT_ID,
      type: 'hire',
      source: 'example',
      outcome: 'completed',
      at: '2026-12-01T09:00:04.000Z',
    },
  ],
};

const earlierCrm = verified('crm', '2026-11-30T17:00:00.000Z');

/** What GET /v1/identities/E1001 answers before the event is sent; a scenario not here: 404. */
const BEFORE: Record<string, unknown> = {
  queued: status('active', [earlierCrm], { current: undefined }),
};

/** Successive answers to GET /v1/identities/E1001 after the event is sent; the last one repeats. */
const SCENARIOS: Record<string, unknown[]> = {
  verified: [
    status('pending', []),
    status('joining', [working('crm'), working('wiki')]),
    status('joining', [verified('crm'), failing]),
    status('joining', [verified('crm'), failing]),
    { unavailable: true },
    status('joining', [verified('crm'), stalled]),
    status('active', [verified('crm'), verified('wiki')], { current: undefined, ...completed }),
  ],
  unverifiable: [
    status('joining', [working('crm'), working('wiki')]),
    status(
      'active',
      [
        verified('crm'),
        { appId: 'wiki', status: 'unverifiable', attempts: 1, lastProblem: 'memberships not visible' },
      ],
      {
        current: undefined,
        ...completed,
      },
    ),
  ],
  endless: [status('joining', [verified('crm'), failing])],
  // A change for someone active: until the step begins (first queued behind another event, then
  // running before it reset the applications), they are the last step's and not shown.
  queued: [
    status('active', [earlierCrm], {
      current: { eventId: 'earlier', type: 'hire' },
      queued: [{ eventId: EVENT_ID, type: 'hire' }],
    }),
    status('moving', [earlierCrm]),
    status('moving', [working('crm', 0)]),
    status('active', [verified('crm')], { current: undefined, ...completed }),
  ],
};

let api: StandIn;
const polls: Record<string, number> = {};
const sent: string[] = [];

before(async () => {
  api = await standIn((req) => {
    // The scenario rides in the base URL (/<scenario>/v1/...), so every test shares one stand-in.
    const [, scenario = '', path] = /^\/([^/]+)(\/.*)$/.exec(req.url ?? '') ?? [];
    if (req.method === 'POST' && path === '/v1/hr/events') {
      sent.push(scenario);
      return { status: 202, body: { workflowId: 'identity-E1001', eventId: EVENT_ID, status: 'accepted' } };
    }
    if (path !== '/v1/identities/E1001') return { status: 404, body: { error: 'not_found' } };
    if (scenario === 'unauthorized')
      return { status: 401, body: { error: 'unauthorized', message: 'bad token' } };
    if (!sent.includes(scenario)) {
      return BEFORE[scenario]
        ? { status: 200, body: BEFORE[scenario] }
        : { status: 404, body: { error: 'not_found' } };
    }
    const answers = SCENARIOS[scenario]!;
    const n = (polls[scenario] = (polls[scenario] ?? -1) + 1);
    const next = answers[Math.min(n, answers.length - 1)] as { unavailable?: boolean };
    if (next.unavailable)
      return { status: 503, body: { error: 'temporal_unavailable', message: 'Temporal is unreachable' } };
    return { status: 200, body: next };
  });
});

after(() => api.close());

function wait(scenario: string, ...extra: string[]) {
  return jml(['event', 'examples/hire.json', '--wait', '--poll-interval', '20ms', ...extra], {
    JML_URL: `${api.url}/${scenario}`,
  });
}

void describe('jml event --wait', { concurrency: true }, () => {
  void test('shows each application as its status changes and exits 0 once all are verified', async () => {
    const run = await wait('verified');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      workflowId: 'identity-E1001',
      eventId: EVENT_ID,
      status: 'accepted',
    });
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      'pending: waiting for HR events',
      'joining: granting access in crm, wiki',
      '  crm: working',
      '  wiki: working',
      '  crm: verified at 2026-12-01T09:00:02.000Z',
      '  wiki: failing (attempt 2): HTTP 502 from wiki',
      `(no status: reading the status of E1001 failed (503): Temporal is unreachable; asking again)`,
      '  wiki: stalled, no answer since 2026-12-01T09:00:03.000Z',
      'active: waiting for HR events',
      '  wiki: verified at 2026-12-01T09:00:02.000Z',
      'done: every application verified (2)',
    ]);
  });

  void test('a step that ends with an application not verified exits 1, naming it', async () => {
    const run = await wait('unverifiable');
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trimEnd().split('\n');
    assert.ok(lines.includes('  wiki: unverifiable: memberships not visible'), run.stderr);
    assert.equal(lines.at(-1), 'done: not verified: wiki (unverifiable)');
  });

  void test('--wait-timeout gives up with exit 1, saying what is not verified yet', async () => {
    const started = Date.now();
    const run = await wait('endless', '--wait-timeout', '300ms');
    assert.equal(run.code, 1, run.stderr);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(
      run.stderr.trimEnd().split('\n').at(-1),
      'gave up waiting after 300ms: the step still runs; not verified yet: wiki (failing)',
    );
  });

  void test("a queued event's step is followed from its start, not from the last step's applications", async () => {
    const run = await wait('queued');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      'active: waiting for HR events',
      'moving: waiting for HR events',
      '  crm: working',
      'active: waiting for HR events',
      '  crm: verified at 2026-12-01T09:00:02.000Z',
      'done: every application verified (1)',
    ]);
  });

  void test('a token that may not read the status is refused before the event is sent', async () => {
    const run = await wait('unauthorized');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /reading the status of E1001 refused \(401\): bad token/);
    assert.ok(!sent.includes('unauthorized'));
  });

  void test('an invalid --wait-timeout is bad input (exit 2), and nothing is sent', async () => {
    const run = await wait('untouched', '--wait-timeout', 'soon');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--wait-timeout <duration>' argument 'soon' is invalid/);
    assert.ok(!sent.includes('untouched'));
  });
});
