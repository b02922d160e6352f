// Evidence records of lifecycle steps made by hand, in the shapes evidence/README.md "What each step
// records" gives them (the keys of domain/evidence-record.ts evidenceKey), for the certificate, export
// and report tests: as inputs for EvidenceStore.append, or numbered as a chain would hold them.
import { evidenceKey, type EvidenceInput, type EvidenceKind } from '../../domain/evidence-record';
import type { EvidenceRecordView } from '../../domain/recorded-steps';

type Body<K extends EvidenceKind> = Extract<EvidenceInput, { kind: K }>['body'];
type Step = 'joiner' | 'mover' | 'leaver';

const GONE = { exists: false, active: false, entitlements: [], openSessions: null };

export class PersonRecords {
  readonly records: EvidenceInput[] = [];
  private readonly workflowId: string;

  constructor(
    readonly employeeId: string,
    private readonly employment = '0a1b2c3d',
  ) {
    this.workflowId = `identity-${employeeId}`;
  }

  private add<K extends EvidenceKind>(
    kind: K,
    step: string,
    appId: string | null,
    occurredAt: string,
    body: Body<K>,
  ): this {
    const key = evidenceKey({ workflowId: this.workflowId, employment: this.employment, step, appId, kind });
    this.records.push({ key, employeeId: this.employeeId, appId, occurredAt, kind, body } as EvidenceInput);
    return this;
  }

  /** The HR event of a step, as the workflow records it when the step settles. */
  event(
    eventId: string,
    step: Step | undefined,
    times: { receivedAt: string; effectiveAt?: string; completedAt?: string; deadline?: string },
    extra: Partial<Body<'hr-event'>> = {},
  ): this {
    const type = step === 'leaver' ? 'terminate' : step === 'mover' ? 'change' : 'hire';
    return this.add('hr-event', eventId, null, times.receivedAt, {
      eventId,
      type,
      source: 'workday',
      occurredAt: times.receivedAt,
      outcome: 'completed',
      ...times,
      ...(step ? { step } : {}),
      ...extra,
    });
  }

  plan(eventId: string, step: Step, at: string, apps: Record<string, string[]>): this {
    return this.add('plan', eventId, null, at, {
      eventId,
      step,
      policyVersion: 'sha256:0123456789ab',
      roles: ['engineering'],
      apps,
      entitlements: Object.entries(apps).flatMap(([appId, names]) =>
        names.map((entitlement) => ({ appId, entitlement, risk: 'low' })),
      ),
    });
  }

  /** A leaver's work in one application and its read-back. */
  deprovisioned(
    eventId: string,
    appId: string,
    at: string,
    options: {
      revoked?: string[];
      deleted?: boolean;
      sessionsEnded?: number;
      evidence?: 'read-back' | 'attestation' | 'record';
      heldBy?: string;
      state?: Body<'read-back'>['state'];
    } = {},
  ): this {
    const deleted = options.deleted ?? false;
    const state = options.state ?? (deleted ? GONE : { ...GONE, exists: true });
    this.add('app-operation', eventId, appId, at, {
      step: 'leaver',
      operation: 'deprovision',
      revoked: options.revoked ?? [],
      disabled: !options.heldBy,
      deleted,
      sessionsEnded: options.sessionsEnded ?? 0,
      attempts: 1,
    });
    return this.add('read-back', eventId, appId, at, {
      step: 'leaver',
      state: options.heldBy ? { ...state, heldBy: options.heldBy } : state,
      verified: !options.heldBy,
      gaps: [],
      verifiedAt: at,
      evidence: options.evidence ?? 'read-back',
      ...(options.heldBy ? { outcome: 'held-by-other' as const } : {}),
    });
  }

  /** A joiner's or mover's work in one application and its read-back. */
  provisioned(
    eventId: string,
    step: 'joiner' | 'mover',
    appId: string,
    at: string,
    shows: string[],
    removed?: string[],
  ): this {
    this.add('app-operation', eventId, appId, at, {
      step,
      operation: 'provision',
      created: step === 'joiner',
      granted: shows,
      ...(removed ? { revoked: removed } : {}),
      attempts: 1,
    });
    return this.add('read-back', eventId, appId, at, {
      step,
      state: { exists: true, active: true, entitlements: shows, openSessions: null },
      verified: true,
      gaps: [],
      verifiedAt: at,
      evidence: 'read-back',
    });
  }

  /** A joiner's or mover's application done by hand: its read-back rests on the attestation. */
  attestedReadBack(
    eventId: string,
    step: 'joiner' | 'mover',
    appId: string,
    at: string,
    shows: string[],
  ): this {
    return this.add('read-back', eventId, appId, at, {
      step,
      state: { exists: true, active: true, entitlements: shows, openSessions: null },
      verified: true,
      gaps: [],
      verifiedAt: at,
      evidence: 'attestation',
    });
  }

  task(
    eventId: string,
    appId: string,
    taskId: string,
    at: string,
    deadline: string,
    change: 'opened' | 'withdrawn' = 'opened',
  ): this {
    return this.add('task', `${eventId}:${taskId}`, appId, at, {
      taskId,
      source: eventId,
      change,
      grant: [],
      revoke: ['badge-nyc'],
      deprovision: 'disable',
      assignees: ['E0500'],
      deadline,
    });
  }

  attested(eventId: string, appId: string, taskId: string, by: string, at: string, note?: string): this {
    return this.add('attestation', `${eventId}:${taskId}`, appId, at, {
      taskId,
      by,
      at,
      ...(note ? { note } : {}),
    });
  }

  attention(
    eventId: string,
    step: Step,
    appId: string | null,
    reason: Body<'attention'>['reason'],
    at: string,
  ): this {
    return this.add('attention', `${eventId}:attention-${reason}`, appId, at, {
      step,
      reason,
      attempts: 3,
      problem: `${appId ?? 'the leaver'}: ${reason}`,
    });
  }

  override(
    eventId: string,
    step: Step,
    appId: string,
    action: 'skip' | 'retry',
    at: string,
    reason?: string,
  ): this {
    return this.add('override', `${eventId}:override-${action}`, appId, at, {
      action,
      step,
      by: 'E0042',
      via: 'API token',
      ...(reason ? { reason } : {}),
    });
  }

  /** The follow-up of a skipped application, once it verified it. */
  followedUp(eventId: string, appId: string, at: string): this {
    this.add('app-operation', `${eventId}:follow-up`, appId, at, {
      step: 'follow-up',
      operation: 'deprovision',
      revoked: [],
      disabled: true,
      deleted: false,
      sessionsEnded: 0,
    });
    return this.add('read-back', `${eventId}:follow-up`, appId, at, {
      step: 'follow-up',
      state: { ...GONE, exists: true },
      verified: true,
      gaps: [],
      verifiedAt: at,
      evidence: 'read-back',
    });
  }

  approval(
    eventId: string,
    appId: string,
    requestId: string,
    at: string,
    decision?: { approve: boolean; at: string } | 'withdrawn',
  ): this {
    const request = {
      requestId,
      eventId,
      entitlement: 'crm-admins',
      risk: 'high',
      step: 0,
      stepLabel: 'manager',
      approvers: ['E0001'],
    };
    this.add('approval-request', `${eventId}:${requestId}`, appId, at, {
      ...request,
      change: decision === 'withdrawn' ? 'withdrawn' : 'opened',
    });
    if (decision && decision !== 'withdrawn') {
      this.add('approval-decision', `${eventId}:${requestId}`, appId, decision.at, {
        requestId,
        approve: decision.approve,
        approver: 'E0001',
        via: 'personal token',
        decidedAt: decision.at,
      });
    }
    return this;
  }

  /** The records numbered as the person's chain would number them. */
  views(): EvidenceRecordView[] {
    return this.records.map((r, i) => ({
      key: r.key,
      kind: r.kind,
      employeeId: r.employeeId,
      appId: r.appId ?? null,
      occurredAt: r.occurredAt,
      body: r.body,
      seq: i + 1,
    }));
  }
}

/** An instant `minutes` after 2026-12-01T09:00:00Z. */
export const at = (minutes: number): string =>
  new Date(Date.UTC(2026, 11, 1, 9, 0) + minutes * 60_000).toISOString();
