// The approval gate shared by joiner and mover: every privileged grant waits here for a human.
// Each step of the chain is asked in turn; it is reminded halfway, escalated to the next step when
// its time runs out, and the request is denied when the chain is exhausted. A cancelled step
// (termination) withdraws its requests, so nothing is granted late.
import { CancellationScope, condition, isCancellation, log } from '@temporalio/workflow';
import type { ApprovalDecision, ApprovalRequest } from '../domain/lifecycle';
import type { PlannedEntitlement } from '../domain/policy';
import { activities } from './activities-proxy';
import { summaries } from './summaries';
import { AwaitedByPeople, type Settlement } from './awaited-by-people';
import { PendingApprovalsKey } from './messages';

export class ApprovalGate extends AwaitedByPeople<ApprovalRequest, ApprovalDecision> {
  protected readonly noun = 'approval request';
  protected readonly selfRefusal = 'nobody may approve their own access';

  constructor(employeeId: string, employment: string, sequence: number, onChange: () => void) {
    super(employeeId, employment, sequence, 'apr', PendingApprovalsKey, onChange);
  }

  protected isWaiting(request: ApprovalRequest): boolean {
    return request.status === 'pending';
  }

  protected settlementOf(decision: ApprovalDecision): Settlement {
    return { id: decision.requestId, actor: decision.approver };
  }

  protected whoMayNot(request: ApprovalRequest, decision: ApprovalDecision): string | undefined {
    if (request.approvers.includes(decision.approver)) return undefined;
    return `${decision.approver} may not decide request ${decision.requestId}: it waits for ${request.stepLabel} (${request.approvers.join(', ')})`;
  }

  protected recordRefusal(request: ApprovalRequest, decision: ApprovalDecision, why: string): void {
    request.rejectedDecisions.push({ approver: decision.approver, at: new Date().toISOString(), why });
  }

  protected apply(request: ApprovalRequest, decision: ApprovalDecision): void {
    Object.assign(request, {
      status: decision.approve ? 'approved' : 'denied',
      decidedBy: decision.approver,
      decidedAt: new Date().toISOString(),
      decidedVia: decision.via ?? 'temporal',
      reason: decision.reason,
    });
  }

  /** Withdraws every pending request (a later HR event supersedes them); their waits end at once. */
  withdrawPending(reason: string): void {
    for (const request of this.waiting()) {
      Object.assign(request, { status: 'withdrawn', decidedAt: new Date().toISOString(), reason });
    }
    this.sync();
  }

  /** Waits for the chain's decision on one privileged entitlement: true when approved. */
  async request(planned: PlannedEntitlement, eventId: string): Promise<ApprovalRequest> {
    const approval = planned.approval!;
    const request: ApprovalRequest = {
      requestId: this.nextId(),
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
    this.items.set(request.requestId, request);
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
        const decided = () => request.status !== 'pending';
        const remind = { summary: summaries.approvalReminder(request.requestId, step.label) };
        if (await condition(decided, approval.reminderAfterMs, remind)) return request;
        request.reminders += 1;
        this.onChange();
        await this.notify(request, 'reminder');
        const rest = Math.max(0, approval.stepTimeoutMs - approval.reminderAfterMs);
        const escalate = { summary: summaries.approvalEscalation(request.requestId, step.label) };
        if (await condition(decided, rest, escalate)) return request;
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
      activities.notifyApprovers
        .executeWithOptions({ summary: summaries.notifyApprovers(request.requestId, kind) }, [
          {
            kind,
            requestId: request.requestId,
            employeeId: request.employeeId,
            appId: request.appId,
            entitlement: request.entitlement,
            stepLabel: request.stepLabel,
            approvers: request.approvers,
            deadline: request.stepDeadline,
          },
        ])
        .catch((error: unknown) =>
          log.warn('approver notification failed', { requestId: request.requestId, error: String(error) }),
        ),
    );
  }
}
