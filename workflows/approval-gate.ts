// The approval gate shared by joiner and mover: every privileged grant waits here for a human.
// Each step of the chain is asked in turn; it is reminded halfway, escalated to the next step when
// its time runs out, and the request is denied when the chain is exhausted. A cancelled step
// (termination) withdraws its requests, so nothing is granted late.
import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ApprovalDecision, ApprovalRequest } from '../domain/lifecycle';
import { messageId } from '../domain/lifecycle';
import type { PlannedEntitlement } from '../domain/policy';
import { activities } from './activities-proxy';
import { PendingApprovalsKey } from './messages';

export class ApprovalGate {
  private readonly requests = new Map<string, ApprovalRequest>();
  private pendingCount = 0;

  constructor(
    private readonly employeeId: string,
    /** The employment part of request ids (see messageId). */
    private readonly employment: string,
    private sequence: number,
    private readonly onChange: () => void,
  ) {}

  /** Carried across continue-as-new so request ids stay unique for the person. */
  get lastSequence(): number {
    return this.sequence;
  }

  list(): ApprovalRequest[] {
    return [...this.requests.values()];
  }

  pending(): ApprovalRequest[] {
    return this.list().filter((r) => r.status === 'pending');
  }

  /** Why a decision cannot be taken, or undefined when it can. Never changes state. */
  refusal(decision: ApprovalDecision): string | undefined {
    const request = this.requests.get(decision.requestId);
    if (!request) return `no approval request ${decision.requestId} for ${this.employeeId}`;
    if (request.status !== 'pending') return `request ${decision.requestId} is already ${request.status}`;
    if (decision.approver === this.employeeId) return 'nobody may approve their own access';
    if (!request.approvers.includes(decision.approver)) {
      return `${decision.approver} may not decide request ${decision.requestId}: it waits for ${request.stepLabel} (${request.approvers.join(', ')})`;
    }
    return undefined;
  }

  /** Applies a decision; a refused one is recorded for the audit trail and changes nothing else. */
  decide(decision: ApprovalDecision): ApprovalRequest | undefined {
    const request = this.requests.get(decision.requestId);
    const why = this.refusal(decision);
    if (why) {
      log.warn('approval decision refused', { requestId: decision.requestId, why });
      request?.rejectedDecisions.push({ approver: decision.approver, at: new Date().toISOString(), why });
      this.onChange();
      return undefined;
    }
    Object.assign(request!, {
      status: decision.approve ? 'approved' : 'denied',
      decidedBy: decision.approver,
      decidedAt: new Date().toISOString(),
      decidedVia: decision.via ?? 'temporal',
      reason: decision.reason,
    });
    this.sync();
    return request;
  }

  /** Withdraws every pending request (a later HR event supersedes them); their waits end at once. */
  withdrawPending(reason: string): void {
    for (const request of this.pending()) {
      Object.assign(request, { status: 'withdrawn', decidedAt: new Date().toISOString(), reason });
    }
    this.sync();
  }

  /** Waits for the chain's decision on one privileged entitlement: true when approved. */
  async request(planned: PlannedEntitlement, eventId: string): Promise<ApprovalRequest> {
    const approval = planned.approval!;
    const request: ApprovalRequest = {
      requestId: messageId('apr', this.employment, ++this.sequence, this.employeeId),
      employeeId: this.employeeId,
      eventId,
      appId: planned.appId,
      entitlement: planned.entitlement,
      risk: planned.risk,
      status: 'pending',
      step: 0,
      stepLabel: '',
      approvers: [],
      requestedAt: new Date().toISOString(),
      reminders: 0,
      escalations: 0,
      rejectedDecisions: [],
    };
    this.requests.set(request.requestId, request);
    this.sync();
    try {
      for (const [index, step] of approval.chain.entries()) {
        if (step.approvers.length === 0) continue;
        if (request.stepLabel) request.escalations += 1;
        Object.assign(request, {
          step: index,
          stepLabel: step.label,
          approvers: step.approvers,
          stepDeadline: new Date(Date.now() + approval.stepTimeoutMs).toISOString(),
        });
        this.onChange();
        await this.notify(request, request.escalations === 0 ? 'request' : 'escalation');
        if (await condition(() => request.status !== 'pending', approval.reminderAfterMs)) return request;
        request.reminders += 1;
        this.onChange();
        await this.notify(request, 'reminder');
        const rest = Math.max(0, approval.stepTimeoutMs - approval.reminderAfterMs);
        if (await condition(() => request.status !== 'pending', rest)) return request;
      }
      Object.assign(request, {
        status: 'denied',
        decidedAt: new Date().toISOString(),
        reason: 'no decision before the approval chain ran out',
      });
      return request;
    } catch (error) {
      if (isCancellation(error) && request.status === 'pending') {
        Object.assign(request, {
          status: 'withdrawn',
          decidedAt: new Date().toISOString(),
          reason: 'withdrawn: the step was cancelled',
        });
      }
      throw error;
    } finally {
      this.sync();
    }
  }

  private async notify(request: ApprovalRequest, kind: 'request' | 'reminder' | 'escalation'): Promise<void> {
    // Notifications are best-effort: a failing channel must not block or fail the approval itself.
    await CancellationScope.nonCancellable(() =>
      activities
        .notifyApprovers({
          kind,
          requestId: request.requestId,
          employeeId: request.employeeId,
          appId: request.appId,
          entitlement: request.entitlement,
          stepLabel: request.stepLabel,
          approvers: request.approvers,
          deadline: request.stepDeadline,
        })
        .catch((error: unknown) =>
          log.warn('approver notification failed', { requestId: request.requestId, error: String(error) }),
        ),
    );
  }

  private sync(): void {
    const count = this.pending().length;
    if (count !== this.pendingCount) {
      this.pendingCount = count;
      upsertSearchAttributes([{ key: PendingApprovalsKey, value: count }]);
    }
    this.onChange();
  }
}
