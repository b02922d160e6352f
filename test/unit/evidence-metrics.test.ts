// From evidence records to lifecycle metrics: which record moves which metric with which labels,
// how long a joiner and a leaver took (from when they were due), that a record the store already had
// counts nothing, and that no label carries an employee id.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { withEvidenceMetrics } from '../../activities/evidence-metrics';
import { observationsOf, stepSeconds } from '../../activities/evidence-observations';
import { evidenceInputSchema, type EvidenceInput, type ValidEvidence } from '../../domain/evidence-record';
import type { AppendResult } from '../../evidence/store';

const PERSON = 'E7731';
const settings = { joinerLeadTimeMs: 86_400_000 };

let serial = 0;
function record(kind: EvidenceInput['kind'], body: Record<string, unknown>, appId: string | null = null) {
  serial += 1;
  return {
    key: `identity-${PERSON}/0a1b2c3d/ev-${serial}/${appId ?? '-'}/${kind}`,
    employeeId: PERSON,
    appId,
    occurredAt: '2026-12-01T09:00:00.000Z',
    kind,
    body,
  } as EvidenceInput;
}

function valid(input: EvidenceInput): ValidEvidence {
  return evidenceInputSchema.parse(input);
}

function hrEvent(body: Record<string, unknown>): EvidenceInput {
  return record('hr-event', {
    eventId: `ev-${serial + 1}`,
    source: 'workday',
    occurredAt: '2026-12-01T08:00:00.000Z',
    receivedAt: '2026-12-01T09:00:00.000Z',
    outcome: 'completed',
    ...body,
  });
}

const attention = (reason: string, appId: string | null = 'crm') =>
  record('attention', { step: 'leaver', reason, attempts: 3, problem: 'HTTP 503 from crm' }, appId);

void describe('observationsOf: what one record counts', () => {
  void test('a completed joiner is time to provision, a completed leaver time to deprovision, a mover neither', () => {
    const joiner = hrEvent({ type: 'hire', step: 'joiner', completedAt: '2026-12-01T09:00:42.000Z' });
    assert.deepEqual(observationsOf(valid(joiner), settings), [
      { metric: 'evidenceRecords', kind: 'hr-event' },
      { metric: 'timeToProvision', seconds: 42 },
    ]);
    const leaver = hrEvent({ type: 'terminate', step: 'leaver', completedAt: '2026-12-01T09:01:00.000Z' });
    assert.deepEqual(observationsOf(valid(leaver), settings), [
      { metric: 'evidenceRecords', kind: 'hr-event' },
      { metric: 'timeToDeprovision', seconds: 60 },
    ]);
    const mover = hrEvent({ type: 'change', step: 'mover', completedAt: '2026-12-01T09:01:00.000Z' });
    assert.deepEqual(observationsOf(valid(mover), settings), [
      { metric: 'evidenceRecords', kind: 'hr-event' },
    ]);
  });

  void test('a step that did not complete (cancelled, superseded) or has not settled is not timed', () => {
    for (const body of [
      { type: 'hire', step: 'joiner', outcome: 'cancelled', completedAt: '2026-12-01T09:00:42.000Z' },
      { type: 'hire', step: 'joiner', outcome: 'superseded', completedAt: '2026-12-01T09:00:42.000Z' },
      { type: 'terminate', step: 'leaver' },
      { type: 'hire', outcome: 'duplicate' },
    ]) {
      assert.deepEqual(observationsOf(valid(hrEvent(body)), settings), [
        { metric: 'evidenceRecords', kind: 'hr-event' },
      ]);
    }
  });

  void test('attention records count by reason, per application; a missed leaver deadline on its own', () => {
    for (const reason of ['failing', 'stalled', 'unverifiable'] as const) {
      assert.deepEqual(observationsOf(valid(attention(reason)), settings).slice(1), [
        { metric: 'verificationFailures', app: 'crm', reason },
      ]);
    }
    assert.deepEqual(observationsOf(valid(attention('held-by-other')), settings).slice(1), [
      { metric: 'heldByOther', app: 'crm' },
    ]);
    assert.deepEqual(observationsOf(valid(attention('task-overdue', 'badge')), settings).slice(1), [
      { metric: 'tasksOverdue', app: 'badge' },
    ]);
    assert.deepEqual(observationsOf(valid(attention('deadline-missed', null)), settings).slice(1), [
      { metric: 'deadlineMissed' },
    ]);
  });

  void test("drift is what a joiner removed beyond its plan; a mover's and a leaver's revocations are not drift", () => {
    const operation = (step: string, revoked: string[]) =>
      record('app-operation', { step, operation: 'provision', granted: ['crm-users'], revoked }, 'crm');
    assert.deepEqual(
      observationsOf(valid(operation('joiner', ['crm-admins', 'crm-billing'])), settings).slice(1),
      [{ metric: 'driftFound', app: 'crm', step: 'joiner', entitlements: 2 }],
    );
    assert.deepEqual(observationsOf(valid(operation('joiner', [])), settings).slice(1), []);
    assert.deepEqual(observationsOf(valid(operation('mover', ['crm-admins'])), settings).slice(1), []);
    assert.deepEqual(observationsOf(valid(operation('leaver', ['crm-users'])), settings).slice(1), []);
  });

  void test("what a mover's read-back shows beyond its plan is drift; a read-back without any is not", () => {
    const readBack = (drift?: string[]) =>
      record(
        'read-back',
        {
          step: 'mover',
          state: {
            exists: true,
            active: true,
            entitlements: ['crm-users', 'crm-admins'],
            openSessions: null,
          },
          verified: true,
          gaps: [],
          verifiedAt: '2026-12-01T09:00:42.000Z',
          evidence: 'read-back',
          ...(drift ? { drift } : {}),
        },
        'crm',
      );
    assert.deepEqual(observationsOf(valid(readBack(['crm-admins'])), settings).slice(1), [
      { metric: 'driftFound', app: 'crm', step: 'mover', entitlements: 1 },
    ]);
    assert.deepEqual(observationsOf(valid(readBack()), settings).slice(1), []);
  });

  void test('an override counts by its action', () => {
    for (const action of ['skip', 'retry'] as const) {
      const override = record('override', { action, step: 'leaver', by: 'E0001', via: 'API token' }, 'crm');
      assert.deepEqual(observationsOf(valid(override), settings).slice(1), [
        { metric: 'manualOverrides', action },
      ]);
    }
  });

  void test('records of other kinds are only counted as records', () => {
    const plan = record('plan', {
      eventId: 'ev-1',
      step: 'joiner',
      policyVersion: 'v1',
      roles: ['engineer'],
      apps: { crm: ['crm-users'] },
      entitlements: [{ appId: 'crm', entitlement: 'crm-users', risk: 'low' }],
    });
    assert.deepEqual(observationsOf(valid(plan), settings), [{ metric: 'evidenceRecords', kind: 'plan' }]);
  });
});

void describe('stepSeconds: from when the step was due', () => {
  const base = {
    eventId: 'ev-1',
    source: 'workday',
    occurredAt: '2026-11-01T08:00:00.000Z',
    receivedAt: '2026-11-20T09:00:00.000Z',
    outcome: 'completed' as const,
  };

  void test('a hire effective later is due joinerLeadTime before its effective time', () => {
    const seconds = stepSeconds(
      {
        ...base,
        type: 'hire',
        step: 'joiner',
        effectiveAt: '2026-12-01T09:00:00.000Z',
        completedAt: '2026-11-30T09:00:30.000Z',
      },
      settings,
    );
    assert.equal(seconds, 30);
  });

  void test('a termination effective later is due at its effective time; an urgent one when received', () => {
    const leaver = { ...base, type: 'terminate' as const, step: 'leaver' as const };
    const later = {
      ...leaver,
      effectiveAt: '2026-11-27T17:00:00.000Z',
      completedAt: '2026-11-27T17:00:05.000Z',
    };
    assert.equal(stepSeconds(later, settings), 5);
    assert.equal(stepSeconds({ ...later, urgent: true }, settings), 7 * 86_400 + 8 * 3600 + 5);
  });

  void test('an effective time already past when received counts from receipt; a step done before due takes 0 s', () => {
    const joiner = { ...base, type: 'hire' as const, step: 'joiner' as const };
    assert.equal(
      stepSeconds(
        { ...joiner, effectiveAt: '2026-11-01T00:00:00.000Z', completedAt: '2026-11-20T09:00:03.000Z' },
        settings,
      ),
      3,
    );
    assert.equal(
      stepSeconds(
        { ...joiner, effectiveAt: '2026-12-10T00:00:00.000Z', completedAt: '2026-11-20T09:00:03.000Z' },
        settings,
      ),
      0,
    );
  });
});

/** An append-only store in memory: the first append of a key writes, the next ones are duplicates. */
function memoryStore() {
  const keys = new Set<string>();
  const append = (raw: unknown): Promise<AppendResult> => {
    const { key } = raw as { key: string };
    const duplicate = keys.has(key);
    keys.add(key);
    return Promise.resolve({ record: { key } as AppendResult['record'], duplicate });
  };
  return { append, appendAll: (raws: unknown[]) => Promise.all(raws.map(append)) };
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = metric?.values.find(
    (v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l) &&
      (v as { metricName?: string }).metricName !== `${name}_bucket`,
  );
  return sample?.value ?? NaN;
}

void describe('withEvidenceMetrics: the store, counted', () => {
  void test('each newly written record moves its metrics once; a duplicate append moves nothing', async () => {
    const registry = new Registry();
    const store = withEvidenceMetrics(memoryStore(), { ...settings, registry, appIds: ['crm', 'wiki'] });
    const joiner = hrEvent({ type: 'hire', step: 'joiner', completedAt: '2026-12-01T09:00:42.000Z' });
    const failing = attention('failing');
    assert.equal((await store.append(joiner)).duplicate, false);
    assert.equal((await store.append(failing)).duplicate, false);
    assert.equal((await store.append(joiner)).duplicate, true);
    assert.equal((await store.append(failing)).duplicate, true);

    const histogram = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'jml_time_to_provision_seconds',
    )!;
    const count = histogram.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'));
    const sum = histogram.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'));
    assert.equal(count?.value, 1);
    assert.equal(sum?.value, 42);
    assert.equal(
      await value(registry, 'jml_verification_failures_total', { app: 'crm', reason: 'failing' }),
      1,
    );
    assert.equal(await value(registry, 'jml_evidence_records_total', { kind: 'hr-event' }), 1);
    assert.equal(await value(registry, 'jml_evidence_records_total', { kind: 'attention' }), 1);
    // A batch counts what it newly wrote, the same way.
    const batch = await store.appendAll([joiner, attention('stalled')]);
    assert.deepEqual(
      batch.map((r) => r.duplicate),
      [true, false],
    );
    assert.equal(
      await value(registry, 'jml_verification_failures_total', { app: 'crm', reason: 'stalled' }),
      1,
    );
    assert.equal(await value(registry, 'jml_evidence_records_total', { kind: 'hr-event' }), 1);
    assert.equal(await value(registry, 'jml_evidence_records_total', { kind: 'attention' }), 2);
    // The configured applications' counters are there before anything happened to them.
    assert.equal(
      await value(registry, 'jml_verification_failures_total', { app: 'wiki', reason: 'stalled' }),
      0,
    );
    assert.equal(await value(registry, 'jml_manual_overrides_total', { action: 'skip' }), 0);
  });

  void test('an append the store refuses counts nothing and fails as the store failed', async () => {
    const registry = new Registry();
    const unreachable = () => Promise.reject(new Error('evidence store unreachable'));
    const refusing = { append: unreachable, appendAll: unreachable };
    const store = withEvidenceMetrics(refusing, { ...settings, registry });
    await assert.rejects(store.append(attention('failing')), /evidence store unreachable/);
    assert.equal(await value(registry, 'jml_evidence_records_total', { kind: 'attention' }), NaN);
  });

  void test('no label value is an employee id', async () => {
    const registry = new Registry();
    const store = withEvidenceMetrics(memoryStore(), { ...settings, registry, appIds: ['crm'] });
    for (const input of [
      hrEvent({ type: 'terminate', step: 'leaver', completedAt: '2026-12-01T09:01:00.000Z' }),
      attention('held-by-other'),
      attention('deadline-missed', null),
      record(
        'override',
        { action: 'skip', step: 'leaver', by: 'E0001', via: 'API token', reason: 'vendor down' },
        'crm',
      ),
    ]) {
      await store.append(input);
    }
    const text = await registry.metrics();
    assert.match(text, /jml_held_by_other_total\{app="crm"\} 1/);
    assert.match(text, /jml_deadline_missed_total 1/);
    assert.match(text, /jml_manual_overrides_total\{action="skip"\} 1/);
    assert.doesNotMatch(text, new RegExp(`${PERSON}|E0001|vendor`));
  });
});
