// Reconciliation: every account an application lists, weighed against jml's records of the person who
// owns it. Pure: what the records say of a person (standingsFrom), what an account is (classify), and
// the ids a run's remediations carry, so a retried activity or a replayed workflow repeats them exactly.
//
// Drift and missing access are measured against the person's latest recorded plan (the plan of the
// last joiner or mover, with the policy version that decided it), not against the current policy
// evaluated afresh: the plan is what jml decided and carried out, and the person's workflow re-checks
// every correction against its own current plan before it changes anything.
import { deprovisionGaps } from './app-state';
import type { DeprovisionMode } from './config';
import type { ReconcileSettings } from './reconciliation-config';

export const RECONCILIATION_CLASSES = ['orphan', 'unlinked', 'drift', 'missing'] as const;
export type ReconciliationClass = (typeof RECONCILIATION_CLASSES)[number];

/** An account as a listing shows it (connectors/connector.ts ListedAccount). */
export interface AccountSeen {
  accountId: string;
  userName: string;
  ownerId?: string;
  active: boolean;
  entitlements: string[];
}

/** What jml's records (the evidence store) say of one person. */
export interface PersonRecord {
  /** `active`: their last joiner or mover settled after any leaver; `left`: a leaver was their last step. */
  standing: 'active' | 'left';
  /** The latest joiner's or mover's plan, while active. */
  plan?: RecordedPlan;
}

export interface RecordedPlan {
  policyVersion: string;
  /** Entitlements per application the plan justifies, privileged ones included. */
  apps: Record<string, string[]>;
  /** Per application, the entitlements anyone with this plan gets without an approval. */
  birthright: Record<string, string[]>;
}

/** One evidence record as the standing query reads it: a person's `hr-event` and `plan` records, in order. */
export interface StandingRow {
  employeeId: string;
  kind: string;
  body: unknown;
}

const PERSON_STEPS = new Set(['joiner', 'mover', 'leaver']);

/**
 * Each person's standing from their records, oldest first. A step counts once its HR event record says
 * which step it started (a refused, duplicate or merged event started none); a step writes its HR event
 * record first and its plan right after, so a joiner's or mover's plan is the one that follows the last
 * such event. People without such a record are absent: jml has never seen them.
 */
export function standingsFrom(rows: Iterable<StandingRow>): Map<string, PersonRecord> {
  const people = new Map<string, PersonRecord>();
  for (const { employeeId, kind, body } of rows) {
    const fields = (body ?? {}) as Record<string, unknown>;
    const step = typeof fields.step === 'string' ? fields.step : undefined;
    if (!step || !PERSON_STEPS.has(step)) continue;
    if (kind === 'hr-event') {
      const before = people.get(employeeId);
      people.set(
        employeeId,
        step === 'leaver' ? { standing: 'left' } : { standing: 'active', plan: before?.plan },
      );
    } else if (kind === 'plan' && step !== 'leaver') {
      const person = people.get(employeeId);
      if (person?.standing === 'active') person.plan = planOf(fields);
    }
  }
  return people;
}

function planOf(fields: Record<string, unknown>): RecordedPlan {
  const apps = (fields.apps ?? {}) as Record<string, string[]>;
  const birthright: Record<string, string[]> = {};
  for (const e of (fields.entitlements ?? []) as {
    appId: string;
    entitlement: string;
    approval?: unknown;
  }[]) {
    if (e.approval !== undefined) continue;
    (birthright[e.appId] ??= []).push(e.entitlement);
  }
  return {
    policyVersion: typeof fields.policyVersion === 'string' ? fields.policyVersion : '',
    apps,
    birthright,
  };
}

/**
 * What Temporal says of the person now, asked only of those with a finding: the evidence of a step is
 * written when it settles, so a joiner still under way has none yet, and a leaver may be running.
 * `none`: no workflow (or only finished ones: the person has left); otherwise the running workflow's stage.
 */
export type LiveStanding = 'none' | 'pending' | 'joining' | 'active' | 'moving' | 'leaving' | 'left';

export interface AppReconcileContext {
  appId: string;
  deprovision: DeprovisionMode;
  settings: ReconcileSettings;
}

/** A finding before Temporal is asked: what the records and the listing alone say. */
export interface Candidate {
  class: ReconciliationClass;
  accountId: string;
  employeeId?: string;
  active: boolean;
  /** Drift: what the plan does not justify; missing: birthright the account lacks. */
  entitlements: string[];
  /** Why, in words (ids and entitlement names only). */
  reason: string;
}

/** The findings for one account (none when it is what jml's records say it should be). */
export function classify(
  account: AccountSeen,
  person: PersonRecord | undefined,
  app: AppReconcileContext,
): Candidate[] {
  const base = { accountId: account.accountId, active: account.active };
  if (!account.ownerId) {
    return [
      {
        ...base,
        class: 'unlinked',
        entitlements: [...account.entitlements],
        reason: 'the account carries no employee id: a person must say whose it is',
      },
    ];
  }
  const employeeId = account.ownerId;
  if (!person || person.standing === 'left') {
    // A leaver's account disabled and emptied (or gone) is what the leaver leaves behind: not an orphan.
    const state = {
      exists: true,
      active: account.active,
      entitlements: account.entitlements,
      openSessions: null,
    };
    const gaps = deprovisionGaps(state, app.deprovision);
    if (!gaps.length) return [];
    return [
      {
        ...base,
        class: 'orphan',
        employeeId,
        entitlements: [...account.entitlements],
        reason: `${person ? `${employeeId} has left` : `jml has no record of ${employeeId}`}: ${gaps.join('; ')}`,
      },
    ];
  }
  const planned = new Set(person.plan?.apps[app.appId] ?? []);
  const held = new Set(account.entitlements);
  const findings: Candidate[] = [];
  const extra = account.entitlements.filter((e) => !planned.has(e)).sort();
  if (extra.length) {
    findings.push({
      ...base,
      class: 'drift',
      employeeId,
      entitlements: extra,
      reason: `not justified by ${employeeId}'s plan (policy ${person.plan?.policyVersion ?? 'none recorded'})`,
    });
  }
  const lacking = (person.plan?.birthright[app.appId] ?? []).filter((e) => !held.has(e)).sort();
  if (lacking.length) {
    findings.push({
      ...base,
      class: 'missing',
      employeeId,
      entitlements: lacking,
      reason: `birthright of ${employeeId}'s plan (policy ${person.plan?.policyVersion}) the account lacks`,
    });
  }
  return findings;
}

/** What a run does about a finding: `remediate` sets something in motion; `report` only lists it. */
export type FindingAction = 'remediate' | 'report';

/** How a finding stands in the report. */
export const ITEM_OUTCOMES = ['reported', 'pending', 'verified', 'not-verified'] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];

/** One finding of a run, as the report keeps it: ids and entitlement names, never a name or an email. */
export interface ReconciliationItem {
  appId: string;
  /** The application's own id for the account (SCIM id, LDAP DN, Keycloak user id, role name). */
  accountId: string;
  employeeId?: string;
  class: ReconciliationClass;
  /** Whether the account could sign in when listed. */
  active: boolean;
  entitlements: string[];
  reason: string;
  action: FindingAction;
  /**
   * `reported`: only listed (by setting, or nothing can be done by jml); `pending`: remediation under
   * way; `verified`: remediated and read back as intended; `not-verified`: remediated, and the read-back
   * (or the wait for it) did not show it done (`detail` says why).
   */
  outcome: ItemOutcome;
  /** What was done (the event or finding id sent), or why nothing was, or why it is not verified. */
  detail?: string;
  /** The HR event (orphans) or drift finding (drift, missing) that remediates it. */
  remediation?: { eventId?: string; findingId?: string };
}

/**
 * Applies Temporal's view and the application's settings to a candidate: a step under way in the
 * person's workflow takes precedence (it verifies itself); otherwise what the settings allow is
 * remediated. Undefined: not a finding after all.
 */
export function decide(
  candidate: Candidate,
  live: LiveStanding | undefined,
  app: AppReconcileContext,
  ids: { runKey: string },
): ReconciliationItem | undefined {
  const item = (action: FindingAction, outcome: ItemOutcome, detail?: string): ReconciliationItem => ({
    appId: app.appId,
    accountId: candidate.accountId,
    ...(candidate.employeeId ? { employeeId: candidate.employeeId } : {}),
    class: candidate.class,
    active: candidate.active,
    entitlements: candidate.entitlements,
    reason: candidate.reason,
    action,
    outcome,
    ...(detail ? { detail } : {}),
  });
  const employeeId = candidate.employeeId;
  switch (candidate.class) {
    case 'unlinked':
      return item(
        'report',
        'reported',
        'reported for a person to decide: jml never changes an account it cannot tie to anyone',
      );
    case 'orphan': {
      // A workflow still running for them (a joiner whose evidence is not written yet, a rehire) holds them employed.
      if (live && live !== 'none' && live !== 'leaving' && live !== 'left') return undefined;
      if (live === 'leaving') return item('report', 'reported', `a leaver of ${employeeId} is under way`);
      if (app.settings.orphans !== 'remediate')
        return item('report', 'reported', 'reported (reconcile.orphans: report)');
      const eventId = terminationEventId(ids.runKey, employeeId!);
      return { ...item('remediate', 'pending', `termination ${eventId} sent`), remediation: { eventId } };
    }
    case 'drift':
    case 'missing': {
      // A joiner or mover under way verifies its own plan; a leaver removes everything anyway.
      if (live && live !== 'active' && live !== 'none') return undefined;
      const allowed =
        candidate.class === 'drift' ? app.settings.drift === 'revoke' : app.settings.missing === 'grant';
      const setting =
        candidate.class === 'drift'
          ? `reconcile.drift: ${app.settings.drift}`
          : `reconcile.missing: ${app.settings.missing}`;
      if (!allowed) return item('report', 'reported', `reported (${setting})`);
      if (live === 'none') {
        return item('report', 'reported', `${employeeId} has no running identity workflow to put it right`);
      }
      const findingId = driftFindingId(ids.runKey, app.appId, employeeId!);
      return {
        ...item('remediate', 'pending', `drift finding ${findingId} sent`),
        remediation: { findingId },
      };
    }
  }
}

/** The termination a run sends for an orphan's owner: one per run and person, whichever applications show them. */
export function terminationEventId(runKey: string, employeeId: string): string {
  return `reconcile-${runKey}-${employeeId}`;
}

/** The drift finding a run sends to a person's workflow for one application: one per run, application and person. */
export function driftFindingId(runKey: string, appId: string, employeeId: string): string {
  return `reconcile-${runKey}-${appId}-${employeeId}`;
}

/** A run's short key (eight hex digits of its first Temporal run id), in the ids its remediations carry. */
export function runKeyOf(firstRunId: string): string {
  return firstRunId
    .replace(/[^0-9a-f]/gi, '')
    .slice(0, 8)
    .toLowerCase()
    .padEnd(8, '0');
}

export type ClassCounts = Record<ReconciliationClass, number>;

export const noCounts = (): ClassCounts => ({ orphan: 0, unlinked: 0, drift: 0, missing: 0 });

export function addCounts(a: ClassCounts, b: ClassCounts): ClassCounts {
  return {
    orphan: a.orphan + b.orphan,
    unlinked: a.unlinked + b.unlinked,
    drift: a.drift + b.drift,
    missing: a.missing + b.missing,
  };
}

/** Counts of a run's items by how they stand. */
export type OutcomeCounts = Record<ItemOutcome, number>;

/** One application's part of a run. */
export interface AppReconciliation {
  appId: string;
  /** `complete`: every page read and trusted; `unverifiable`: some page could not show everything (never clean); `failed`: the listing stopped; `cannot-list`: the connector has no listing. */
  listing: 'complete' | 'unverifiable' | 'failed' | 'cannot-list';
  /** Why the listing is not complete. */
  problems: string[];
  accounts: number;
  pages: number;
  counts: ClassCounts;
  outcomes: OutcomeCounts;
  startedAt: string;
  listedAt?: string;
  finishedAt: string;
}

/** A run's report, as the store keeps it and the workflow returns it. */
export interface ReconciliationReport {
  runId: string;
  trigger: 'schedule' | 'request';
  status: 'running' | 'finished';
  startedAt: string;
  finishedAt?: string;
  applications: AppReconciliation[];
  counts: ClassCounts;
  outcomes: OutcomeCounts;
  /** True only when every application was listed completely and nothing was found. */
  clean: boolean;
  /** The findings, in application and account order; the workflow's answer carries the first ones only. */
  items: ReconciliationItem[];
  /** How many findings there are in all (more than `items` when the list was cut short). */
  itemCount: number;
}

export const noOutcomes = (): OutcomeCounts => ({ reported: 0, pending: 0, verified: 0, 'not-verified': 0 });
