// Per-application progress of the current step, mirrored into search attributes and current
// details so operators see in the Temporal UI what is failing and what the workflow waits for.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type {
  AppProgress,
  AppStepStatus,
  ApprovalRequest,
  LifecycleStage,
  ManualTask,
  ScheduledRevocation,
  SkipDecision,
  SkipRequest,
} from '../domain/lifecycle';
import { LifecycleStageKey, NeedsAttentionKey } from './messages';

/** Statuses an operator should look at (NeedsAttention). */
const ATTENTION_STATUSES = ['failing', 'stalled', 'unverifiable', 'held-by-other'] as const;
export type AttentionStatus = (typeof ATTENTION_STATUSES)[number];
const NEEDS_A_PERSON = new Set<AppStepStatus>(ATTENTION_STATUSES);
const needsAPerson = (app: AppProgress): app is AppProgress & { status: AttentionStatus } =>
  NEEDS_A_PERSON.has(app.status);
/** Statuses the `retry` signal tries again now. */
const RETRYABLE = new Set<AppStepStatus>(['failing', 'unverifiable']);
/** How long an application may take to answer before it shows as stalled (NeedsAttention). */
export const STALLED_AFTER_MS = 5_000;
const MAX_SKIP_REASON = 2000;
const MAX_SKIP_BY = 128;

export class Progress {
  stage: LifecycleStage;
  /** What the current step does, in words; what waits on people is added from live state. */
  private activity = 'waiting for HR events';
  private apps = new Map<string, AppProgress>();
  private retryNow = new Set<string>();
  /** Applications an operator set aside in the current leaver, and who decided. */
  private skips = new Map<string, SkipDecision>();
  private attentionFlag = false;
  private approvals: ApprovalRequest[] = [];
  private scheduled: ScheduledRevocation[] = [];
  private tasks: ManualTask[] = [];
  /** Set once a leaver is past its deadline and not yet verified everywhere. */
  private lateSince?: string;
  /** Told when an application first needs a person in the current step (the evidence of it). */
  private flagged = new Set<string>();
  onFlag?: (app: AppProgress & { status: AttentionStatus }) => void;

  constructor(stage: LifecycleStage) {
    this.stage = stage;
  }

  setStage(stage: LifecycleStage): void {
    if (stage === this.stage) return;
    this.stage = stage;
    upsertSearchAttributes([{ key: LifecycleStageKey, value: stage }]);
  }

  describe(text: string): void {
    this.activity = text;
    setCurrentDetails(this.details());
  }

  /**
   * In words, what the workflow is doing or waiting for: derived from the state each time it is read
   * (pending approvals, open tasks, applications needing a person), so it cannot go stale.
   */
  get waitingFor(): string {
    const parts = [this.activity];
    if (this.approvals.length) parts.push(`${this.approvals.length} privileged grant(s) wait for approval`);
    if (this.tasks.length) parts.push(`${this.tasks.length} manual task(s) wait for someone to attest them`);
    const stuck = [...this.apps.values()].filter(needsAPerson).map((a) => a.appId);
    if (stuck.length) parts.push(`${stuck.join(', ')} need(s) attention`);
    if (this.lateSince) parts.push(`past the deprovisioning deadline (${this.lateSince})`);
    return parts.join('; ');
  }

  /** Starts tracking a new step across these applications. */
  begin(appIds: string[]): void {
    this.apps = new Map(appIds.map((appId) => [appId, { appId, status: 'working', attempts: 0 }]));
    this.retryNow.clear();
    this.skips.clear();
    this.flagged.clear();
    this.lateSince = undefined;
    this.syncAttention();
  }

  /** The last step's applications, as a run before continue-as-new left them. */
  restore(apps: AppProgress[]): void {
    this.apps = new Map(apps.map((a) => [a.appId, a]));
    for (const app of apps) this.flagged.add(`${app.appId}/${app.status}`);
    this.syncAttention();
  }

  update(appId: string, change: Partial<AppProgress>): void {
    const current = this.apps.get(appId) ?? { appId, status: 'working', attempts: 0 };
    const next = { ...current, ...change };
    this.apps.set(appId, next);
    const flag = `${appId}/${next.status}`;
    if (needsAPerson(next) && !this.flagged.has(flag)) {
      this.flagged.add(flag);
      this.onFlag?.(next);
    }
    this.syncAttention();
  }

  /** A leaver past its deadline needs a person until it is verified everywhere (then undefined). */
  setLate(deadline: string | undefined): void {
    this.lateSince = deadline;
    this.syncAttention();
  }

  /** Pending approvals shown in the current details, with who may decide each. */
  showApprovals(pending: ApprovalRequest[]): void {
    this.approvals = pending;
    setCurrentDetails(this.details());
  }

  /** Open manual tasks, with who may attest each. */
  showTasks(open: ManualTask[]): void {
    this.tasks = open;
    setCurrentDetails(this.details());
  }

  /** Access that will be removed at a set time, shown so operators know what is time-bound. */
  showScheduled(scheduled: ScheduledRevocation[]): void {
    this.scheduled = scheduled;
    setCurrentDetails(this.details());
  }

  list(): AppProgress[] {
    return [...this.apps.values()];
  }

  /** Applications jml is waiting on for an answer right now. */
  calling(): AppProgress[] {
    return this.list().filter((a) => a.callingSince !== undefined);
  }

  /** Marks the calls still waiting since `since` as stalled. */
  flagStalled(stillWaiting: AppProgress[]): void {
    for (const app of stillWaiting) {
      this.update(app.appId, {
        status: 'stalled',
        lastProblem: `no answer from ${app.appId} since ${app.callingSince} (attempt ${app.attempts}); still waiting`,
      });
    }
  }

  get needsAttention(): boolean {
    return this.attentionFlag;
  }

  /** Marks the failing applications (or the one) to be tried again now; returns which they are. */
  requestRetry(appId?: string): string[] {
    const retrying: string[] = [];
    for (const app of this.apps.values()) {
      if (RETRYABLE.has(app.status) && (appId === undefined || app.appId === appId)) {
        this.retryNow.add(app.appId);
        retrying.push(app.appId);
      }
    }
    return retrying;
  }

  /** True once if an operator asked to retry this application now. */
  takeRetryRequest(appId: string): boolean {
    return this.retryNow.delete(appId);
  }

  hasRetryRequest(appId: string): boolean {
    return this.retryNow.has(appId);
  }

  /** Why this skip cannot be taken now (in words for the operator); undefined when it can. */
  skipRefusal(request: SkipRequest): string | undefined {
    const { appId, reason, by } = (request ?? {}) as Partial<SkipRequest>;
    if (typeof appId !== 'string' || !appId) return 'appId is mandatory';
    if (typeof reason !== 'string' || !reason.trim()) return 'a justification (reason) is mandatory';
    if (reason.length > MAX_SKIP_REASON) return `the reason is longer than ${MAX_SKIP_REASON} characters`;
    if (typeof by !== 'string' || !by.trim()) return 'who decides (by) is mandatory';
    if (by.length > MAX_SKIP_BY) return `by is longer than ${MAX_SKIP_BY} characters`;
    if (this.stage !== 'leaving')
      return `only a leaver's application can be skipped; this person is ${this.stage}`;
    const app = this.apps.get(appId);
    if (!app) return `the leaver has no step in application "${appId}"`;
    if (app.status === 'skipped') return `${appId} is already skipped`;
    if (app.status === 'verified' || app.status === 'held-by-other')
      return `${appId} is already settled (${app.status}): there is nothing to skip`;
    return undefined;
  }

  /** Sets the application aside (the caller checked skipRefusal); its step gives way at once. */
  skip(request: SkipRequest, via: string): SkipDecision {
    const decision: SkipDecision = {
      appId: request.appId,
      reason: request.reason.trim(),
      by: request.by.trim(),
      via,
      at: new Date().toISOString(),
    };
    this.skips.set(request.appId, decision);
    this.update(request.appId, {
      status: 'skipped',
      callingSince: undefined,
      lastProblem: `skipped by ${decision.by}: ${decision.reason}; a follow-up retries it after the leaver`,
    });
    return decision;
  }

  /** The operator's skip of this application in the current step, if there is one. */
  skipOf(appId: string): SkipDecision | undefined {
    return this.skips.get(appId);
  }

  private syncAttention(): void {
    const attention = this.lateSince !== undefined || [...this.apps.values()].some(needsAPerson);
    if (attention !== this.attentionFlag) {
      this.attentionFlag = attention;
      upsertSearchAttributes([{ key: NeedsAttentionKey, value: attention }]);
    }
    setCurrentDetails(this.details());
  }

  private details(): string {
    const lines = [`**Stage:** ${this.stage}`, `**Now:** ${this.waitingFor}`];
    const apps = [...this.apps.values()];
    if (apps.length) {
      lines.push('', '| application | status | attempts | problem |', '|---|---|---|---|');
      for (const a of apps)
        lines.push(`| ${a.appId} | ${a.status} | ${a.attempts} | ${cell(a.lastProblem ?? '')} |`);
    }
    const failing = apps.filter((a) => RETRYABLE.has(a.status)).map((a) => a.appId);
    if (failing.length) lines.push('', `Send the \`retry\` signal to try ${failing.join(', ')} again now.`);
    if (this.stage === 'leaving' && failing.length)
      lines.push(
        '',
        'If one cannot be fixed now, send the `skip` signal: {"appId", "reason", "by"} (a follow-up retries it).',
      );
    if (this.approvals.length) {
      lines.push(
        '',
        '**Waiting for approval** (send the `decision` signal):',
        '',
        '| request | access | asks | approvers | deadline |',
        '|---|---|---|---|---|',
      );
      for (const r of this.approvals) {
        lines.push(
          `| ${r.requestId} | ${r.appId}: ${r.entitlement} (${r.risk}) | ${r.stepLabel} | ${r.approvers.join(', ')} | ${r.stepDeadline ?? ''} |`,
        );
      }
    }
    if (this.tasks.length) {
      lines.push(
        '',
        '**Waiting for manual work** (send the `taskDone` signal when it is done):',
        '',
        '| task | application | to do | assigned to | deadline |',
        '|---|---|---|---|---|',
      );
      for (const t of this.tasks) {
        lines.push(
          `| ${t.taskId} | ${t.appId} | ${t.instructions} | ${t.assignees.join(', ')} | ${t.deadline} |`,
        );
      }
    }
    if (this.scheduled.length) {
      lines.push('', '**Scheduled removals:**', '', '| access | why | when |', '|---|---|---|');
      for (const r of this.scheduled)
        lines.push(`| ${r.appId}: ${r.entitlement} | ${r.reason} | ${r.dueAt} |`);
    }
    return lines.join('\n');
  }
}

/** Text from outside (an application's error message) as one Markdown table cell: no row or column breaks, no markup. */
function cell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\|*_`[\]<>#])/g, '\\$1');
}
