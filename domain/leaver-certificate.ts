// The revocation certificate of one leaver, built from its evidence records: per application what was
// removed, what verified it (a read-back, or a person's attestation) and when, how long that took from
// the HR event, and whether it beat the deprovisioning deadline. A skipped application is never
// called verified, even once its follow-up has verified it. Pure: renderers and front doors use it.
import {
  emptyAppEvidence,
  groupSteps,
  type AppEvidence,
  type EvidenceRecordView,
  type Recorded,
  type RecordedStep,
} from './recorded-steps';

export const CERTIFICATE_APP_OUTCOMES = ['verified', 'held-by-other', 'skipped', 'not-yet-verified'] as const;
export type CertificateAppOutcome = (typeof CERTIFICATE_APP_OUTCOMES)[number];

/**
 * `verified`: every application read back (or attested) clean, or held by someone else;
 * `verified-after-follow-up`: the same, but only because follow-ups verified applications an operator
 * had skipped; `incomplete`: an application is not verified (yet).
 */
export const CERTIFICATE_STATUSES = ['verified', 'verified-after-follow-up', 'incomplete'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/**
 * Against the deadline: `met` (verified by then), `late` (verified after it), `pending` (not verified,
 * the deadline still ahead), `overdue` (not verified and the deadline passed: late by at least
 * `lateByMs`). Absent where no deadline was recorded.
 */
export interface DeadlineCheck {
  at: string;
  status: 'met' | 'late' | 'pending' | 'overdue';
  /** late, overdue: by how much (overdue: so far). */
  lateByMs?: number;
  /** met: how long before the deadline; pending: how long is left. */
  marginMs?: number;
}

/** What an application showed: never its account id (a DN can carry a name), only what access it gives. */
export interface ShownState {
  exists: boolean;
  active: boolean;
  entitlements: string[];
  openSessions: number | null;
}

export interface CertificateApp {
  appId: string;
  outcome: CertificateAppOutcome;
  /** What the leaver removed in the application. */
  removed: { revoked: string[]; disabled: boolean; deleted: boolean; sessionsEnded: number };
  /** What the application showed before anything was changed. */
  before?: ShownState;
  attempts?: number;
  /** What the verification rests on and what it saw (for a skipped application: its follow-up's). */
  verification?: {
    evidence: 'read-back' | 'attestation' | 'record';
    state: ShownState;
    verifiedAt: string;
  };
  /** Applications done by hand: who attested the work, how they were authenticated, when. */
  attestation?: { taskId: string; by: string; via?: string; at: string; note?: string };
  /** held-by-other: whose the account is (an employee id, or `another account`). */
  heldBy?: string;
  /** Why the last read-back was not what the leaver wanted (not yet verified). */
  gaps: string[];
  /** What flagged the application for a person in this leaver. */
  attention: { reason: string; problem: string; at: string }[];
  /** An operator skipped the application: who, how authenticated, why, and the follow-up. */
  skip?: {
    by: string;
    via: string;
    reason?: string;
    at: string;
    /** Whether a follow-up has since read the application back clean, and when. */
    followUp: { verified: true; verifiedAt: string } | { verified: false };
  };
  /** When the access was seen gone (skipped: by the follow-up); absent while it is not. */
  verifiedAt?: string;
  fromReceivedMs?: number;
  fromEffectiveMs?: number;
  deadline?: DeadlineCheck;
}

export interface LeaverCertificate {
  employeeId: string;
  eventId: string;
  source: string;
  occurredAt: string;
  receivedAt: string;
  effectiveAt?: string;
  urgent?: boolean;
  completedAt?: string;
  policyVersion?: string;
  status: CertificateStatus;
  /** When the last application was verified; absent while one is not. */
  verifiedAt?: string;
  fromReceivedMs?: number;
  fromEffectiveMs?: number;
  deadline?: DeadlineCheck;
  /** When the workflow flagged the leaver for missing its deadline. */
  deadlineMissedAt?: string;
  counts: {
    applications: number;
    verified: number;
    heldByOther: number;
    skipped: number;
    notYetVerified: number;
  };
  applications: CertificateApp[];
  /** Where the records are: the chain and each record's number and hash (`jml audit verify` checks them). */
  evidence: {
    chainId: string;
    records: { seq?: number; hash?: string; kind: string; appId: string | null }[];
  };
  generatedAt: string;
}

export class CertificateNotFound extends Error {
  override readonly name = 'CertificateNotFound';
}

/** A read-back that ends the application's part: clean, or the account is someone else's. */
const settles = (r: Recorded<'read-back'>) => r.body.verified || r.body.outcome === 'held-by-other';
const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);
const latest = <T extends { occurredAt: string }>(items: T[]): T | undefined =>
  items.reduce<T | undefined>(
    (last, item) => (!last || item.occurredAt >= last.occurredAt ? item : last),
    undefined,
  );

function shown(state: {
  exists: boolean;
  active: boolean;
  entitlements: string[];
  openSessions: number | null;
}) {
  return {
    exists: state.exists,
    active: state.active,
    entitlements: [...state.entitlements],
    openSessions: state.openSessions,
  };
}

export function deadlineCheck(deadline: string | undefined, verifiedAt: string | undefined, now: Date) {
  if (!deadline) return undefined;
  if (verifiedAt) {
    const late = ms(deadline, verifiedAt);
    return late > 0
      ? { at: deadline, status: 'late' as const, lateByMs: late }
      : { at: deadline, status: 'met' as const, marginMs: -late };
  }
  const late = now.getTime() - Date.parse(deadline);
  return late > 0
    ? { at: deadline, status: 'overdue' as const, lateByMs: late }
    : { at: deadline, status: 'pending' as const, marginMs: -late };
}

function timings(step: RecordedStep, verifiedAt: string | undefined) {
  if (!verifiedAt) return {};
  return {
    verifiedAt,
    fromReceivedMs: ms(step.event.receivedAt, verifiedAt),
    ...(step.event.effectiveAt ? { fromEffectiveMs: ms(step.event.effectiveAt, verifiedAt) } : {}),
  };
}

function certificateApp(step: RecordedStep, app: AppEvidence, now: Date): CertificateApp {
  const operations = app.operations.map((o) => o.body);
  const removed = {
    revoked: [...new Set(operations.flatMap((o) => o.revoked ?? []))].sort(),
    disabled: operations.some((o) => o.disabled === true),
    deleted: operations.some((o) => o.deleted === true),
    sessionsEnded: operations.reduce((sum, o) => sum + (o.sessionsEnded ?? 0), 0),
  };
  const first = app.operations.find((o) => o.body.before)?.body.before;
  const attempts = operations.reduce<number | undefined>(
    (sum, o) => (o.attempts === undefined ? sum : (sum ?? 0) + o.attempts),
    undefined,
  );
  const readBack = latest(app.readBacks.filter(settles)) ?? latest(app.readBacks);
  const followUp = latest(app.followUpReadBacks.filter(settles));
  const skipped = latest(app.overrides.filter((o) => o.body.action === 'skip'));
  const attested = latest(app.attestations.filter((a) => !a.body.refused));

  const settledBy = skipped ? followUp : readBack && settles(readBack) ? readBack : undefined;
  const heldBy = settledBy?.body.outcome === 'held-by-other' ? settledBy.body.state.heldBy : undefined;
  let outcome: CertificateAppOutcome = 'not-yet-verified';
  if (skipped) outcome = 'skipped';
  else if (settledBy) outcome = settledBy.body.outcome === 'held-by-other' ? 'held-by-other' : 'verified';
  const verifiedAt = settledBy?.body.verifiedAt;

  return {
    appId: app.appId,
    outcome,
    removed,
    ...(first ? { before: shown(first) } : {}),
    ...(attempts === undefined ? {} : { attempts }),
    ...(settledBy
      ? {
          verification: {
            evidence: settledBy.body.evidence,
            state: shown(settledBy.body.state),
            verifiedAt: settledBy.body.verifiedAt,
          },
        }
      : {}),
    ...(attested && settledBy?.body.evidence === 'attestation'
      ? {
          attestation: {
            taskId: attested.body.taskId,
            by: attested.body.by,
            ...(attested.body.via ? { via: attested.body.via } : {}),
            at: attested.body.at,
            ...(attested.body.note ? { note: attested.body.note } : {}),
          },
        }
      : {}),
    ...(typeof heldBy === 'string' ? { heldBy } : {}),
    gaps: settledBy ? [] : (readBack?.body.gaps ?? []),
    attention: app.attentions.map((a) => ({
      reason: a.body.reason,
      problem: a.body.problem,
      at: a.occurredAt,
    })),
    ...(skipped
      ? {
          skip: {
            by: skipped.body.by,
            via: skipped.body.via,
            ...(skipped.body.reason ? { reason: skipped.body.reason } : {}),
            at: skipped.occurredAt,
            followUp: followUp
              ? { verified: true as const, verifiedAt: followUp.body.verifiedAt }
              : { verified: false as const },
          },
        }
      : {}),
    ...timings(step, verifiedAt),
    ...(step.event.deadline ? { deadline: deadlineCheck(step.event.deadline, verifiedAt, now) } : {}),
  };
}

/** The certificate of one leaver step (recorded-steps.ts). */
export function certificateOfStep(step: RecordedStep, now: Date): LeaverCertificate {
  const apps = new Map(step.apps.map((app) => [app.appId, app]));
  // An application the plan names but that has recorded nothing yet is not verified either.
  for (const appId of Object.keys(step.plan?.apps ?? {})) {
    if (!apps.has(appId)) apps.set(appId, emptyAppEvidence(appId));
  }
  const applications = [...apps.values()]
    .sort((a, b) => (a.appId < b.appId ? -1 : 1))
    .map((app) => certificateApp(step, app, now));
  const count = (outcome: CertificateAppOutcome) => applications.filter((a) => a.outcome === outcome).length;
  const unsettled = applications.filter((a) => !a.verifiedAt);
  const skips = count('skipped');
  const status: CertificateStatus = unsettled.length
    ? 'incomplete'
    : skips
      ? 'verified-after-follow-up'
      : 'verified';
  // With no application at all, the step's own completion is when nothing was left.
  const verifiedAt =
    status === 'incomplete'
      ? undefined
      : applications.length
        ? applications.map((a) => a.verifiedAt!).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b))
        : step.event.completedAt;
  const missed = step.attentions.find((a) => a.body.reason === 'deadline-missed');
  const event = step.event;
  return {
    employeeId: step.employeeId,
    eventId: step.eventId,
    source: event.source,
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
    ...(event.effectiveAt ? { effectiveAt: event.effectiveAt } : {}),
    ...(event.urgent === undefined ? {} : { urgent: event.urgent }),
    ...(event.completedAt ? { completedAt: event.completedAt } : {}),
    ...(step.plan ? { policyVersion: step.plan.policyVersion } : {}),
    status: verifiedAt ? status : 'incomplete',
    ...timings(step, verifiedAt),
    ...(event.deadline ? { deadline: deadlineCheck(event.deadline, verifiedAt, now) } : {}),
    ...(missed ? { deadlineMissedAt: missed.occurredAt } : {}),
    counts: {
      applications: applications.length,
      verified: count('verified'),
      heldByOther: count('held-by-other'),
      skipped: skips,
      notYetVerified: count('not-yet-verified'),
    },
    applications,
    evidence: {
      chainId: `employee:${step.employeeId}`,
      records: step.records.map((r) => ({
        ...(r.seq === undefined ? {} : { seq: r.seq }),
        ...(r.hash === undefined ? {} : { hash: r.hash }),
        kind: r.kind,
        appId: r.appId,
      })),
    },
    generatedAt: now.toISOString(),
  };
}

/** The leaver steps among steps, latest first (by when the HR event was received). */
export function leaverSteps(steps: RecordedStep[]): RecordedStep[] {
  return steps
    .filter((s) => s.step === 'leaver')
    .sort((a, b) => Date.parse(b.event.receivedAt) - Date.parse(a.event.receivedAt));
}

/**
 * The certificate of a person's latest leaver, or of the leaver the given HR event started. Throws
 * CertificateNotFound when there is none.
 */
export function leaverCertificate(
  records: Iterable<EvidenceRecordView>,
  now: Date,
  options: { employeeId?: string; eventId?: string } = {},
): LeaverCertificate {
  const all = [...records].filter((r) => !options.employeeId || r.employeeId === options.employeeId);
  const steps = groupSteps(all);
  const who = options.employeeId ?? all[0]?.employeeId ?? 'this person';
  if (options.eventId) {
    const step = steps.find((s) => s.eventId === options.eventId);
    if (!step) throw new CertificateNotFound(`no step of ${who} was started by HR event ${options.eventId}`);
    if (step.step !== 'leaver') {
      throw new CertificateNotFound(
        `HR event ${options.eventId} of ${who} started a ${step.step}, not a leaver`,
      );
    }
    return certificateOfStep(step, now);
  }
  const [latestLeaver] = leaverSteps(steps);
  if (!latestLeaver) {
    throw new CertificateNotFound(
      `no leaver of ${who} is recorded (a leaver's evidence is written when it settles: every application verified or settled)`,
    );
  }
  return certificateOfStep(latestLeaver, now);
}
