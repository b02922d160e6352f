// A person's evidence records put back together as lifecycle steps: one step per HR event that
// started a joiner, mover or leaver, with its plan, approvals and, per application, what jml changed,
// what it read back, who attested, what was flagged and what an operator overrode. Pure: the
// certificate, export and report builders read steps, never the store.
import type { z } from 'zod';
import type { EVIDENCE_BODIES, EvidenceKind } from './evidence-record';

export type EvidenceBody<K extends EvidenceKind> = z.output<(typeof EVIDENCE_BODIES)[K]>;

/** A record as the store gives it back (evidence/record-rows.ts StoredRecord has these and more). */
export interface EvidenceRecordView {
  key: string;
  kind: EvidenceKind;
  employeeId: string;
  appId: string | null;
  occurredAt: string;
  body: unknown;
  /** Where it sits in its chain, for auditors to find it (`jml audit verify` checks it). */
  seq?: number;
  hash?: string;
}

/** One record of a step: its body, when it happened and where it sits in the chain. */
export interface Recorded<K extends EvidenceKind> {
  body: EvidenceBody<K>;
  occurredAt: string;
  seq?: number;
  hash?: string;
}

/** The parts of an evidence key (domain/evidence-record.ts evidenceKey). */
export interface KeyParts {
  workflowId: string;
  employment: string;
  step: string;
  appId: string | null;
  kind: string;
}

export function parseEvidenceKey(key: string): KeyParts | undefined {
  const parts = key.split('/');
  if (parts.length !== 5) return undefined;
  const [workflowId, employment, step, appId, kind] = parts as [string, string, string, string, string];
  return { workflowId, employment, step, appId: appId === '-' ? null : appId, kind };
}

/** Everything one step recorded about one application. */
export interface AppEvidence {
  appId: string;
  operations: Recorded<'app-operation'>[];
  readBacks: Recorded<'read-back'>[];
  /** Written by the follow-up of a skipped application, once it verified it. */
  followUpOperations: Recorded<'app-operation'>[];
  followUpReadBacks: Recorded<'read-back'>[];
  attentions: Recorded<'attention'>[];
  overrides: Recorded<'override'>[];
  tasks: Recorded<'task'>[];
  attestations: Recorded<'attestation'>[];
}

export interface ApprovalEvidence {
  requestId: string;
  appId: string | null;
  requests: Recorded<'approval-request'>[];
  decisions: Recorded<'approval-decision'>[];
}

export type StepKind = 'joiner' | 'mover' | 'leaver';

/** One lifecycle step: an HR event that started a joiner, mover or leaver, and what it recorded. */
export interface RecordedStep {
  employeeId: string;
  /** The workflow's first run: a rehire's steps belong to another employment. */
  employment: string;
  eventId: string;
  step: StepKind;
  /** The HR event, as its records say it (a later record of the same event adds to an earlier one). */
  event: EvidenceBody<'hr-event'>;
  /** When the HR event's first record happened (the period it belongs to). */
  recordedAt: string;
  plan?: EvidenceBody<'plan'>;
  /** By application id, in id order. */
  apps: AppEvidence[];
  approvals: ApprovalEvidence[];
  /** Flags of the step as a whole (a leaver past its deadline). */
  attentions: Recorded<'attention'>[];
  /** Every record of the step, in chain order, for auditors. */
  records: { seq?: number; hash?: string; kind: EvidenceKind; appId: string | null; occurredAt: string }[];
}

const STEP_KINDS = new Set<string>(['joiner', 'mover', 'leaver']);

const MILLISECONDS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Times as bodies write them (`…T09:00:00.000Z`), whether given so or to the microsecond. */
const isoTime = (time: string) => (MILLISECONDS_Z.test(time) ? time : new Date(time).toISOString());

function recorded<K extends EvidenceKind>(record: EvidenceRecordView): Recorded<K> {
  const entry: Recorded<K> = { body: record.body as EvidenceBody<K>, occurredAt: isoTime(record.occurredAt) };
  if (record.seq !== undefined) entry.seq = record.seq;
  if (record.hash !== undefined) entry.hash = record.hash;
  return entry;
}

/** An application of a step that has recorded nothing yet. */
export function emptyAppEvidence(appId: string): AppEvidence {
  return {
    appId,
    operations: [],
    readBacks: [],
    followUpOperations: [],
    followUpReadBacks: [],
    attentions: [],
    overrides: [],
    tasks: [],
    attestations: [],
  };
}

/** The records of one person's employment, and what the steps among them are called. */
class Employment {
  readonly steps = new Map<string, RecordedStep>();
  /** Approval request id → the HR event whose step asked; task id → the id of what opened it. */
  readonly requestEvent = new Map<string, string>();
  readonly taskSource = new Map<string, string>();

  /** The step a key's step part names: the event id itself, or the event id and a suffix (`:follow-up`). */
  stepNamed(keyStep: string): RecordedStep | undefined {
    const exact = this.steps.get(keyStep);
    if (exact) return exact;
    let best: RecordedStep | undefined;
    for (const [eventId, step] of this.steps) {
      if (keyStep.startsWith(`${eventId}:`) && eventId.length > (best?.eventId.length ?? -1)) best = step;
    }
    return best;
  }

  /** An HR event id, or an approval request whose step asked, or a task opened by either. */
  stepOfSource(source: string | undefined, depth = 0): RecordedStep | undefined {
    if (source === undefined || depth > 3) return undefined;
    return (
      this.steps.get(source) ??
      this.stepOfSource(this.requestEvent.get(source), depth + 1) ??
      this.stepOfSource(this.taskSource.get(source), depth + 1)
    );
  }
}

const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** A person's records in chain order (records without a number last, by time). */
function chainOrder(a: EvidenceRecordView, b: EvidenceRecordView): number {
  return (
    compare(a.employeeId, b.employeeId) ||
    compare(a.seq ?? Number.MAX_SAFE_INTEGER, b.seq ?? Number.MAX_SAFE_INTEGER) ||
    compare(a.occurredAt, b.occurredAt)
  );
}

/**
 * Groups records (of one or several people, in any order) into steps. Records of no step (another
 * step's, a scheduled removal's, an HR event that started none) are left out.
 */
export function groupSteps(records: Iterable<EvidenceRecordView>): RecordedStep[] {
  const employments = new Map<string, Employment>();
  // Each record with its key's parts and its employment, worked out once.
  const entries = [...records].sort(chainOrder).map((record) => {
    const key = parseEvidenceKey(record.key);
    const id = `${record.employeeId}/${key?.employment ?? ''}`;
    let employment = employments.get(id);
    if (!employment) employments.set(id, (employment = new Employment()));
    return { record, keyStep: key?.step, employment };
  });

  // First the steps and what names them, so that records can be placed whatever their order.
  for (const { record, employment } of entries) {
    if (record.kind === 'hr-event') addEvent(employment, record);
    else if (record.kind === 'approval-request') {
      const body = record.body as EvidenceBody<'approval-request'>;
      employment.requestEvent.set(body.requestId, body.eventId);
    } else if (record.kind === 'task') {
      const body = record.body as EvidenceBody<'task'>;
      employment.taskSource.set(body.taskId, body.source);
    }
  }
  for (const { record, keyStep, employment } of entries) {
    if (record.kind === 'hr-event') continue;
    const step = stepOf(employment, record, keyStep);
    if (step && place(step, record)) step.records.push(refOf(record));
  }
  const steps = [...employments.values()].flatMap((e) => [...e.steps.values()]);
  for (const step of steps) step.apps.sort((a, b) => compare(a.appId, b.appId));
  return steps;
}

function refOf(record: EvidenceRecordView): RecordedStep['records'][number] {
  const ref: RecordedStep['records'][number] = {
    kind: record.kind,
    appId: record.appId,
    occurredAt: isoTime(record.occurredAt),
  };
  if (record.seq !== undefined) ref.seq = record.seq;
  if (record.hash !== undefined) ref.hash = record.hash;
  return ref;
}

function addEvent(employment: Employment, record: EvidenceRecordView): void {
  const body = record.body as EvidenceBody<'hr-event'>;
  const existing = employment.steps.get(body.eventId);
  if (existing) {
    // The same event recorded again as its step went on (completedAt, outcome): later fields win.
    existing.event = { ...existing.event, ...body };
    if (body.step && STEP_KINDS.has(body.step)) existing.step = body.step as StepKind;
    existing.records.push(refOf(record));
    return;
  }
  if (!body.step || !STEP_KINDS.has(body.step)) return;
  employment.steps.set(body.eventId, {
    employeeId: record.employeeId,
    employment: parseEvidenceKey(record.key)?.employment ?? '',
    eventId: body.eventId,
    step: body.step as StepKind,
    event: body,
    recordedAt: isoTime(record.occurredAt),
    apps: [],
    approvals: [],
    attentions: [],
    records: [refOf(record)],
  });
}

function stepOf(
  employment: Employment,
  record: EvidenceRecordView,
  keyStep: string | undefined,
): RecordedStep | undefined {
  const body = record.body as Record<string, unknown>;
  const named = () => {
    switch (record.kind) {
      case 'plan':
      case 'approval-request':
        return employment.steps.get(body.eventId as string);
      case 'approval-decision':
        return employment.stepOfSource(body.requestId as string);
      case 'task':
        return employment.stepOfSource(body.source as string);
      case 'attestation':
        return employment.stepOfSource(body.taskId as string);
      default:
        return undefined;
    }
  };
  // What the body names first; otherwise the key's step part (`<event id>` or `<event id>:<suffix>`).
  return named() ?? (keyStep === undefined ? undefined : employment.stepNamed(keyStep));
}

function appIn(step: RecordedStep, appId: string): AppEvidence {
  let app = step.apps.find((a) => a.appId === appId);
  if (!app) step.apps.push((app = emptyAppEvidence(appId)));
  return app;
}

function approvalIn(step: RecordedStep, requestId: string, appId: string | null): ApprovalEvidence {
  let approval = step.approvals.find((a) => a.requestId === requestId);
  if (!approval) step.approvals.push((approval = { requestId, appId, requests: [], decisions: [] }));
  return approval;
}

/** Files the record under its step; false when it is not the step's own (a scheduled removal's). */
function place(step: RecordedStep, record: EvidenceRecordView): boolean {
  const body = record.body as Record<string, unknown>;
  const appId = record.appId;
  switch (record.kind) {
    case 'plan':
      step.plan = record.body as EvidenceBody<'plan'>;
      return true;
    case 'approval-request':
      approvalIn(step, body.requestId as string, appId).requests.push(recorded(record));
      return true;
    case 'approval-decision':
      approvalIn(step, body.requestId as string, appId).decisions.push(recorded(record));
      return true;
    case 'attention':
      if (appId) appIn(step, appId).attentions.push(recorded(record));
      else step.attentions.push(recorded(record));
      return true;
    default:
      break;
  }
  if (!appId) return false;
  if (record.kind === 'app-operation' || record.kind === 'read-back') {
    const followUp = body.step === 'follow-up';
    if (!followUp && body.step !== step.step) return false;
    const app = appIn(step, appId);
    if (record.kind === 'app-operation') {
      (followUp ? app.followUpOperations : app.operations).push(recorded(record));
    } else {
      (followUp ? app.followUpReadBacks : app.readBacks).push(recorded(record));
    }
    return true;
  }
  const app = appIn(step, appId);
  if (record.kind === 'override') app.overrides.push(recorded(record));
  else if (record.kind === 'task') app.tasks.push(recorded(record));
  else if (record.kind === 'attestation') app.attestations.push(recorded(record));
  else return false;
  return true;
}
