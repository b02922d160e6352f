// One row per lifecycle step of a period, for auditors' spreadsheets and scripts: who, which step,
// when HR sent it, when it took effect, when it was done and how long that took, how many
// applications were verified or skipped, and for leavers whether the deadline was met. Pure.
import type { HrEventType } from './hr-event';
import type { EventOutcome } from './lifecycle';
import { certificateOfStep, type DeadlineCheck } from './leaver-certificate';
import {
  groupSteps,
  type AppEvidence,
  type EvidenceRecordView,
  type RecordedStep,
  type StepKind,
} from './recorded-steps';

export interface PeriodExportRow {
  employeeId: string;
  step: StepKind;
  eventId: string;
  type: HrEventType;
  outcome?: EventOutcome;
  receivedAt: string;
  effectiveAt?: string;
  /** When the step settled (every application verified or settled, every approval decided). */
  completedAt?: string;
  /** Leavers: when the last application was read back clean (a skipped one: by its follow-up). */
  verifiedAt?: string;
  /**
   * From the later of receivedAt and effectiveAt to completedAt (leavers: to verifiedAt), never below
   * 0: a joiner provisioned before the start date waited for nothing. Absent while not done.
   */
  durationMs?: number;
  applications: number;
  verified: number;
  skipped: number;
  heldByOther: number;
  /** Leavers: the deadline, where one was recorded, and how the leaver stands against it. */
  deadline?: string;
  deadlineStatus?: DeadlineCheck['status'];
  late?: boolean;
  lateByMs?: number;
  policyVersion?: string;
}

/** The columns in the order the CSV export writes them. */
export const EXPORT_COLUMNS = [
  'employeeId',
  'step',
  'eventId',
  'type',
  'outcome',
  'receivedAt',
  'effectiveAt',
  'completedAt',
  'verifiedAt',
  'durationMs',
  'applications',
  'verified',
  'skipped',
  'heldByOther',
  'deadline',
  'deadlineStatus',
  'late',
  'lateByMs',
  'policyVersion',
] as const satisfies readonly (keyof PeriodExportRow)[];

/** When the step's clock starts: the HR event's arrival, or its effective time when that is later. */
export function startOf(step: RecordedStep): number {
  const received = Date.parse(step.event.receivedAt);
  const effective = step.event.effectiveAt ? Date.parse(step.event.effectiveAt) : received;
  return Math.max(received, effective);
}

const isSkipped = (app: AppEvidence) => app.overrides.some((o) => o.body.action === 'skip');

function latestReadBack(app: AppEvidence) {
  return app.readBacks.reduce<AppEvidence['readBacks'][number] | undefined>(
    (last, r) => (!last || r.occurredAt >= last.occurredAt ? r : last),
    undefined,
  );
}

/** The applications a joiner or mover worked in: those it recorded, and those its plan grants in. */
function appIdsOf(step: RecordedStep): string[] {
  const planned = Object.entries(step.plan?.apps ?? {})
    .filter(([, names]) => names.length)
    .map(([appId]) => appId);
  return [...new Set([...step.apps.map((a) => a.appId), ...planned])];
}

export function exportRow(step: RecordedStep, now: Date): PeriodExportRow {
  const { event } = step;
  const common = {
    employeeId: step.employeeId,
    step: step.step,
    eventId: step.eventId,
    type: event.type,
    ...(event.outcome ? { outcome: event.outcome } : {}),
    receivedAt: event.receivedAt,
    ...(event.effectiveAt ? { effectiveAt: event.effectiveAt } : {}),
    ...(event.completedAt ? { completedAt: event.completedAt } : {}),
  };
  const duration = (end: string | undefined) =>
    end === undefined ? {} : { durationMs: Math.max(0, Date.parse(end) - startOf(step)) };
  const policyVersion = step.plan ? { policyVersion: step.plan.policyVersion } : {};
  if (step.step === 'leaver') {
    const certificate = certificateOfStep(step, now);
    const deadline = certificate.deadline;
    return {
      ...common,
      ...(certificate.verifiedAt ? { verifiedAt: certificate.verifiedAt } : {}),
      ...duration(certificate.verifiedAt),
      applications: certificate.counts.applications,
      verified: certificate.counts.verified,
      skipped: certificate.counts.skipped,
      heldByOther: certificate.counts.heldByOther,
      ...(deadline
        ? {
            deadline: deadline.at,
            deadlineStatus: deadline.status,
            late: deadline.status === 'late' || deadline.status === 'overdue',
            ...(deadline.lateByMs === undefined ? {} : { lateByMs: deadline.lateByMs }),
          }
        : {}),
      ...(certificate.policyVersion ? { policyVersion: certificate.policyVersion } : {}),
    };
  }
  const apps = new Map(step.apps.map((a) => [a.appId, a]));
  const appIds = appIdsOf(step);
  const readBacks = appIds.map((id) => apps.get(id)).map((a) => (a ? latestReadBack(a) : undefined));
  return {
    ...common,
    ...duration(event.completedAt),
    applications: appIds.length,
    verified: readBacks.filter((r) => r?.body.verified && r.body.outcome !== 'held-by-other').length,
    skipped: appIds.filter((id) => apps.has(id) && isSkipped(apps.get(id)!)).length,
    heldByOther: readBacks.filter((r) => r?.body.outcome === 'held-by-other').length,
    ...policyVersion,
  };
}

/** Rows in the order auditors read them: by when HR's event arrived, then by employee and event. */
export function compareRows(a: PeriodExportRow, b: PeriodExportRow): number {
  return (
    Date.parse(a.receivedAt) - Date.parse(b.receivedAt) ||
    (a.employeeId < b.employeeId ? -1 : a.employeeId > b.employeeId ? 1 : 0) ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

/** Every joiner, mover and leaver among the records, one row each. */
export function periodExport(records: Iterable<EvidenceRecordView>, now: Date): PeriodExportRow[] {
  return groupSteps(records)
    .map((step) => exportRow(step, now))
    .sort(compareRows);
}
