// Evidence export at the scale of a quarter of a 10,000-person company: 2,500 leavers, 2,500 joiners
// and 5,000 movers, each across ten applications, appended with EvidenceStore.append in the records
// the workflow writes for a settled step (domain/step-evidence.ts), then the quarter exported (JSON
// and CSV) and reported the way `jml evidence export` and `jml report` do: the store opened read-only
// and read through evidence/queries.ts. Prints figures; asserts nothing.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Employee, HrEvent } from '../../domain/hr-event';
import type { JoinerAppReport, LeaverAppReport } from '../../domain/lifecycle';
import type { AccessPlan } from '../../domain/policy';
import { stepEvidence, type SettledStep } from '../../domain/step-evidence';
import { exportCsv } from '../../evidence/export-csv';
import { exportOf, reportOf } from '../../evidence/queries';
import type { EvidenceLocation } from '../../evidence/settings';
import { EvidenceStore } from '../../evidence/store';
import { openForVerify } from '../../evidence/verify';
import { fmt, stats } from './stats';

export interface EvidenceExportOptions {
  /** Where to build the store; default: an embedded (PGlite) store in a temporary directory, removed after. */
  location?: EvidenceLocation;
  /** Leavers, joiners and movers of the quarter. Default 2,500, 2,500 and 5,000. */
  leavers?: number;
  joiners?: number;
  movers?: number;
  /** Applications each step works in. Default 10. */
  applications?: number;
  /** Appends under way at once (PGlite takes them one at a time whatever this says). Default 4. */
  concurrency?: number;
  /** Timed runs of each reading. Default 3. */
  runs?: number;
  log?: (line: string) => void;
}

export interface EvidenceExportFigures {
  steps: number;
  records: number;
  fillMs: number;
  /** Per run, milliseconds. */
  exportJsonMs: number[];
  exportCsvMs: number[];
  reportMs: number[];
  rows: number;
  jsonBytes: number;
  csvBytes: number;
}

const QUARTER_FROM = Date.parse('2026-10-01T00:00:00Z');
const QUARTER_TO = Date.parse('2027-01-01T00:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function person(n: number): Employee {
  const id = `B${String(n).padStart(5, '0')}`;
  return {
    id,
    userName: `bench.${n}`,
    email: `bench.${n}@example.com`,
    givenName: 'Bench',
    familyName: `Person ${n}`,
    department: 'Engineering',
    title: 'Engineer',
    location: 'Berlin',
    employmentType: 'employee',
  };
}

function planOf(appIds: string[]): AccessPlan {
  return {
    policyVersion: '2026.10.1@sha256:0123456789ab',
    roles: ['all-staff', 'engineering'],
    apps: Object.fromEntries(appIds.map((appId) => [appId, ['staff', 'engineering']])),
    entitlements: appIds.flatMap((appId) =>
      ['engineering', 'staff'].map((entitlement) => ({
        appId,
        entitlement,
        risk: 'low' as const,
        roles: ['engineering'],
      })),
    ),
  };
}

/** The settled step of the n-th person of the quarter, its times spread evenly over it. */
function settledStep(
  n: number,
  kind: 'joiner' | 'mover' | 'leaver',
  total: number,
  appIds: string[],
): SettledStep {
  const employee = person(n);
  const received = QUARTER_FROM + Math.floor(((QUARTER_TO - QUARTER_FROM - 3_600_000) * n) / total);
  const eventId = `evt-${kind}-${n}`;
  const type = kind === 'joiner' ? 'hire' : kind === 'mover' ? 'change' : 'terminate';
  // A joiner starts a week after HR tells jml; one leaver in fifty is verified after its deadline.
  const effective = kind === 'joiner' ? received + 7 * 1440 * MINUTE : received;
  const done = kind === 'joiner' ? effective - 1440 * MINUTE + 2 * MINUTE : received + 2 * MINUTE;
  const verifiedAt = kind === 'leaver' && n % 50 === 0 ? received + 75 * MINUTE : done;
  const event: HrEvent = {
    eventId,
    type,
    occurredAt: iso(received - MINUTE),
    effectiveAt: iso(effective),
    source: 'workday',
    employee,
  };
  const plan = planOf(appIds);
  const base = {
    workflowId: `identity-${employee.id}`,
    employment: `run-${n}`,
    event,
    receivedAt: iso(received),
    outcome: 'completed' as const,
    step: kind,
    completedAt: iso(verifiedAt),
    plan,
  };
  if (kind === 'leaver') {
    const applications: LeaverAppReport[] = appIds.map((appId) => ({
      appId,
      outcome: 'verified',
      deprovision: 'disable',
      revoked: ['engineering', 'staff'],
      disabled: true,
      deleted: false,
      sessionsEnded: 1,
      attempts: 1,
      verifiedState: { exists: true, active: false, entitlements: [], openSessions: 0 },
      verifiedAt: iso(verifiedAt),
      evidence: 'read-back',
    }));
    return {
      ...base,
      deadline: iso(effective + 60 * MINUTE),
      leaver: {
        eventId,
        startedAt: iso(received),
        completedAt: iso(verifiedAt),
        policyVersion: plan.policyVersion,
        applications,
      },
    };
  }
  const applications: JoinerAppReport[] = appIds.map((appId) => ({
    appId,
    created: kind === 'joiner',
    granted: ['engineering', 'staff'],
    attempts: 1,
    verifiedState: { exists: true, active: true, entitlements: ['engineering', 'staff'], openSessions: null },
    verifiedAt: iso(done),
    evidence: 'read-back',
  }));
  return {
    ...base,
    joiner: {
      eventId,
      startedAt: iso(received),
      completedAt: iso(done),
      plan,
      applications,
      approvals: [],
      granted: plan.apps,
      drift: {},
      revokeLater: [],
    },
  };
}

async function fill(
  store: EvidenceStore,
  kinds: ('joiner' | 'mover' | 'leaver')[],
  appIds: string[],
  concurrency: number,
): Promise<number> {
  let next = 0;
  let records = 0;
  // Each worker takes whole people, so one person's records are appended in their order.
  const worker = async () => {
    for (let n = next++; n < kinds.length; n = next++) {
      for (const record of stepEvidence(settledStep(n, kinds[n]!, kinds.length, appIds))) {
        await store.append(record);
        records += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return records;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

export async function measureEvidenceExport(
  options: EvidenceExportOptions = {},
): Promise<EvidenceExportFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const counts = {
    leaver: options.leavers ?? 2500,
    joiner: options.joiners ?? 2500,
    mover: options.movers ?? 5000,
  };
  const appIds = Array.from({ length: options.applications ?? 10 }, (_, i) => `app-${i + 1}`);
  // Interleaved, so that every part of the quarter has each kind of step.
  const kinds: ('joiner' | 'mover' | 'leaver')[] = [];
  const remaining = { ...counts };
  while (remaining.leaver + remaining.joiner + remaining.mover > 0) {
    for (const kind of ['leaver', 'joiner', 'mover', 'mover'] as const) {
      if (remaining[kind] > 0) {
        kinds.push(kind);
        remaining[kind] -= 1;
      }
    }
  }
  const scratch = options.location ? undefined : mkdtempSync(join(tmpdir(), 'jml-bench-evidence-'));
  const location: EvidenceLocation = options.location ?? { kind: 'pglite', dir: join(scratch!, 'evidence') };
  const runs = options.runs ?? 3;
  try {
    const store = await EvidenceStore.open(location, generateKeyPairSync('ed25519').privateKey);
    let records: number;
    let fillMs: number;
    try {
      ({ ms: fillMs, value: records } = await timed(() =>
        fill(store, kinds, appIds, options.concurrency ?? 4),
      ));
    } finally {
      await store.close();
    }
    const period = { from: new Date(QUARTER_FROM), to: new Date(QUARTER_TO) };
    // As the auditor's commands read it: opened read-only, after the writer has let go.
    const sql = await openForVerify(location);
    const figures: EvidenceExportFigures = {
      steps: kinds.length,
      records,
      fillMs,
      exportJsonMs: [],
      exportCsvMs: [],
      reportMs: [],
      rows: 0,
      jsonBytes: 0,
      csvBytes: 0,
    };
    try {
      for (let run = 0; run < runs; run += 1) {
        const json = await timed(async () => JSON.stringify({ rows: await exportOf(sql, period) }));
        figures.exportJsonMs.push(json.ms);
        figures.jsonBytes = json.value.length;
        const csv = await timed(async () => exportCsv(await exportOf(sql, period)));
        figures.exportCsvMs.push(csv.ms);
        figures.csvBytes = csv.value.length;
        figures.rows = csv.value.split('\r\n').length - 2;
        figures.reportMs.push((await timed(() => reportOf(sql, period))).ms);
      }
    } finally {
      await sql.close();
    }
    log(
      `evidence export of a quarter (${location.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}): ` +
        `${counts.leaver} leavers, ${counts.joiner} joiners, ${counts.mover} movers, ${appIds.length} applications each`,
    );
    log(
      `  store filled: ${figures.records} records in ${(fillMs / 1000).toFixed(1)} s ` +
        `(${((figures.records / fillMs) * 1000).toFixed(0)} appends/s)`,
    );
    log(
      `  export, JSON (${figures.rows} rows, ${(figures.jsonBytes / 1e6).toFixed(1)} MB): ${fmt(stats(figures.exportJsonMs))}`,
    );
    log(
      `  export, CSV (${(figures.csvBytes / 1e6).toFixed(1)} MB):              ${fmt(stats(figures.exportCsvMs))}`,
    );
    log(`  report:                                   ${fmt(stats(figures.reportMs))}`);
    return figures;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
