// The evidence records of one settled lifecycle step (evidence/README.md "What each step records"),
// built from the step's own report. Pure, so the workflow builds them deterministically and a
// replayed or retried step produces the same records under the same keys.
import type { EvidenceInput, EvidenceStep } from './evidence-record';
import { evidenceKey } from './evidence-record';
import type { HrEvent } from './hr-event';
import type {
  ApprovalRequest,
  EventOutcome,
  JoinerAppReport,
  JoinerReport,
  LeaverAppReport,
  LeaverReport,
  ManualTask,
  SkipDecision,
} from './lifecycle';
import type { AccessPlan } from './policy';

export interface SettledStep {
  workflowId: string;
  employment: string;
  event: HrEvent;
  receivedAt: string;
  outcome: EventOutcome;
  /** Absent for an event that started no step (a duplicate, a change for someone not active). */
  step?: EvidenceStep;
  completedAt: string;
  /** Terminations: by when every application must be verified. */
  deadline?: string;
  plan?: AccessPlan;
  joiner?: JoinerReport;
  leaver?: LeaverReport;
  /** The manual tasks this step opened. */
  tasks?: ManualTask[];
}

export function stepEvidence(settled: SettledStep): EvidenceInput[] {
  const { workflowId, employment, event, step } = settled;
  const employeeId = event.employee.id;
  const key = stepKey({ workflowId, employment }, event.eventId);
  const records: EvidenceInput[] = [
    {
      key: key('hr-event'),
      employeeId,
      occurredAt: settled.receivedAt,
      kind: 'hr-event',
      body: {
        eventId: event.eventId,
        type: event.type,
        source: event.source,
        occurredAt: event.occurredAt,
        receivedAt: settled.receivedAt,
        ...(event.effectiveAt ? { effectiveAt: event.effectiveAt } : {}),
        ...(event.urgent !== undefined ? { urgent: event.urgent } : {}),
        outcome: settled.outcome,
        ...(step ? { step, completedAt: settled.completedAt } : {}),
        ...(settled.deadline ? { deadline: settled.deadline } : {}),
      },
    },
  ];
  if (!step) return records;
  if (settled.plan) {
    const { policyVersion, roles, apps, entitlements } = settled.plan;
    records.push({
      key: key('plan'),
      employeeId,
      occurredAt: settled.receivedAt,
      kind: 'plan',
      body: {
        eventId: event.eventId,
        step,
        policyVersion,
        roles,
        apps,
        entitlements: entitlements.map((e) => ({ ...e })),
      },
    });
  }
  for (const app of settled.joiner?.applications ?? []) {
    records.push(
      {
        key: key('app-operation', app.appId),
        employeeId,
        appId: app.appId,
        occurredAt: app.verifiedAt,
        kind: 'app-operation',
        body: {
          step,
          operation: 'provision',
          created: app.created,
          granted: app.granted,
          ...(app.removed ? { revoked: app.removed } : {}),
          ...(app.attempts > 0 ? { attempts: app.attempts } : {}),
        },
      },
      withDrift(
        readBack(key('read-back', app.appId), employeeId, app.appId, step, app),
        settled.joiner?.drift[app.appId],
      ),
    );
  }
  for (const app of settled.leaver?.applications ?? [])
    records.push(...leaverRecords(key, employeeId, step, app));
  for (const app of settled.leaver?.followUps ?? [])
    records.push(...leaverRecords(followUpKey(key), employeeId, 'follow-up', app));
  for (const request of settled.joiner?.approvals ?? [])
    records.push(...approvalRecords(key, employeeId, request));
  for (const task of settled.tasks ?? []) records.push(...taskRecords(key, employeeId, task));
  return records;
}

/** Adds what a read-back showed beyond the plan, when it showed anything. */
function withDrift(record: EvidenceInput, drift: string[] | undefined): EvidenceInput {
  if (record.kind !== 'read-back' || !drift?.length) return record;
  return { ...record, body: { ...record.body, drift } };
}

type KeyOf = (kind: EvidenceInput['kind'], appId?: string, part?: string) => string;

/** The follow-up of a skipped application writes under the leaver's event id and `:follow-up`. */
const followUpKey =
  (key: KeyOf): KeyOf =>
  (kind, appId, part) =>
    key(kind, appId, part ? `follow-up:${part}` : 'follow-up');

/** The records a leaver's follow-up writes once it has verified its skipped applications. */
export function followUpEvidence(
  ids: Pick<SettledStep, 'workflowId' | 'employment'>,
  eventId: string,
  employeeId: string,
  apps: LeaverAppReport[],
): EvidenceInput[] {
  const key = stepKey(ids, eventId);
  return apps.flatMap((app) => leaverRecords(followUpKey(key), employeeId, 'follow-up', app));
}

/** An operator's skip of one of a leaver's applications: written at once, and again (the same key) at the end. */
export function skipEvidence(
  ids: Pick<SettledStep, 'workflowId' | 'employment'>,
  eventId: string,
  employeeId: string,
  skip: SkipDecision,
): EvidenceInput {
  return skipRecord(stepKey(ids, eventId), employeeId, 'leaver', skip);
}

/** An operator's retry of one application in a step (the `n`th retry of the step). */
export function retryEvidence(
  ids: Pick<SettledStep, 'workflowId' | 'employment'>,
  eventId: string,
  employeeId: string,
  retry: { appId: string; step: EvidenceStep; by: string; via: string; n: number; at: string },
): EvidenceInput {
  return {
    key: stepKey(ids, eventId)('override', retry.appId, `retry-${retry.n}`),
    employeeId,
    appId: retry.appId,
    occurredAt: retry.at,
    kind: 'override',
    body: { action: 'retry', step: retry.step, by: retry.by, via: retry.via },
  };
}

function skipRecord(key: KeyOf, employeeId: string, step: EvidenceStep, skip: SkipDecision): EvidenceInput {
  return {
    key: key('override', skip.appId, 'skip'),
    employeeId,
    appId: skip.appId,
    occurredAt: skip.at,
    kind: 'override',
    body: { action: 'skip', step, by: skip.by, via: skip.via, reason: skip.reason },
  };
}

/** What a reconciliation's drift finding changed in one application, and the read-back that verified it. */
export function driftEvidence(
  ids: Pick<SettledStep, 'workflowId' | 'employment'>,
  findingId: string,
  employeeId: string,
  change: { granted: string[]; revoked: string[]; report: JoinerAppReport },
): EvidenceInput[] {
  const key = stepKey(ids, findingId);
  const { appId, verifiedAt, attempts } = change.report;
  return [
    {
      key: key('app-operation', appId),
      employeeId,
      appId,
      occurredAt: verifiedAt,
      kind: 'app-operation',
      body: {
        step: 'reconciliation',
        operation: change.granted.length ? 'provision' : 'revoke',
        granted: change.granted,
        revoked: change.revoked,
        ...(attempts > 0 ? { attempts } : {}),
      },
    },
    readBack(key('read-back', appId), employeeId, appId, 'reconciliation', change.report),
  ];
}

function stepKey(ids: Pick<SettledStep, 'workflowId' | 'employment'>, eventId: string): KeyOf {
  return (kind, appId, part) =>
    evidenceKey({
      workflowId: ids.workflowId,
      employment: ids.employment,
      step: part ? `${eventId}:${part}` : eventId,
      appId,
      kind,
    });
}

function readBack(
  recordKey: string,
  employeeId: string,
  appId: string,
  step: EvidenceStep,
  app: Pick<LeaverAppReport, 'verifiedState' | 'verifiedAt' | 'evidence'> & {
    outcome?: 'verified' | 'held-by-other';
  },
): EvidenceInput {
  return {
    key: recordKey,
    employeeId,
    appId,
    occurredAt: app.verifiedAt,
    kind: 'read-back',
    body: {
      step,
      state: { ...app.verifiedState },
      verified: app.outcome !== 'held-by-other',
      gaps: [],
      verifiedAt: app.verifiedAt,
      evidence: app.evidence,
      ...(app.outcome ? { outcome: app.outcome } : {}),
    },
  };
}

function leaverRecords(
  key: KeyOf,
  employeeId: string,
  step: EvidenceStep,
  app: LeaverAppReport,
): EvidenceInput[] {
  const records: EvidenceInput[] = [
    {
      key: key('app-operation', app.appId),
      employeeId,
      appId: app.appId,
      occurredAt: app.verifiedAt,
      kind: 'app-operation',
      body: {
        step,
        operation: 'deprovision',
        revoked: app.revoked,
        disabled: app.disabled,
        deleted: app.deleted,
        sessionsEnded: app.sessionsEnded,
        ...(app.attempts > 0 ? { attempts: app.attempts } : {}),
      },
    },
  ];
  // Never a read-back that could pass for verification: the operator's skip is what is on record.
  if (app.outcome === 'skipped') {
    if (app.skip) records.push(skipRecord(key, employeeId, step, app.skip));
    return records;
  }
  const settled = { ...app, outcome: app.outcome };
  records.push(readBack(key('read-back', app.appId), employeeId, app.appId, step, settled));
  if (app.attestation) {
    records.push({
      key: key('attestation', app.appId, app.attestation.taskId),
      employeeId,
      appId: app.appId,
      occurredAt: app.attestation.at,
      kind: 'attestation',
      body: {
        taskId: app.attestation.taskId,
        by: app.attestation.by,
        at: app.attestation.at,
        ...(app.attestation.note ? { note: app.attestation.note } : {}),
      },
    });
  }
  return records;
}

function approvalRecords(key: KeyOf, employeeId: string, request: ApprovalRequest): EvidenceInput[] {
  const records: EvidenceInput[] = [
    {
      key: key('approval-request', request.appId, request.requestId),
      employeeId,
      appId: request.appId,
      occurredAt: request.requestedAt,
      kind: 'approval-request',
      body: {
        requestId: request.requestId,
        eventId: request.eventId,
        change: request.status === 'withdrawn' ? 'withdrawn' : 'opened',
        entitlement: request.entitlement,
        risk: request.risk,
        step: request.step,
        stepLabel: request.stepLabel || 'none',
        approvers: request.approvers,
        ...(request.stepDeadline ? { deadline: request.stepDeadline } : {}),
        ...(request.status === 'withdrawn' && request.reason ? { reason: request.reason } : {}),
      },
    },
  ];
  if (
    request.decidedBy &&
    request.decidedAt &&
    (request.status === 'approved' || request.status === 'denied')
  ) {
    records.push({
      key: key('approval-decision', request.appId, request.requestId),
      employeeId,
      appId: request.appId,
      occurredAt: request.decidedAt,
      kind: 'approval-decision',
      body: {
        requestId: request.requestId,
        approve: request.status === 'approved',
        approver: request.decidedBy,
        via: request.decidedVia ?? 'temporal',
        decidedAt: request.decidedAt,
        ...(request.reason ? { reason: request.reason } : {}),
      },
    });
  }
  request.rejectedDecisions.forEach((rejected, i) =>
    records.push({
      key: key('approval-decision', request.appId, `${request.requestId}:refused-${i + 1}`),
      employeeId,
      appId: request.appId,
      occurredAt: rejected.at,
      kind: 'approval-decision',
      body: {
        requestId: request.requestId,
        approve: false,
        approver: rejected.approver,
        via: 'temporal',
        decidedAt: rejected.at,
        refused: rejected.why,
      },
    }),
  );
  return records;
}

function taskRecords(key: KeyOf, employeeId: string, task: ManualTask): EvidenceInput[] {
  const records: EvidenceInput[] = [
    {
      key: key('task', task.appId, task.taskId),
      employeeId,
      appId: task.appId,
      occurredAt: task.openedAt,
      kind: 'task',
      body: {
        taskId: task.taskId,
        source: task.source,
        change: task.status === 'withdrawn' ? 'withdrawn' : task.escalations > 0 ? 'escalated' : 'opened',
        grant: task.grant,
        revoke: task.revoke,
        ...(task.deprovision ? { deprovision: task.deprovision } : {}),
        assignees: task.assignees,
        deadline: task.deadline,
      },
    },
  ];
  task.rejectedCompletions.forEach((rejected, i) =>
    records.push({
      key: key('attestation', task.appId, `${task.taskId}:refused-${i + 1}`),
      employeeId,
      appId: task.appId,
      occurredAt: rejected.at,
      kind: 'attestation',
      body: { taskId: task.taskId, by: rejected.by, at: rejected.at, refused: rejected.why },
    }),
  );
  return records;
}
