// One workflow per person (`identity-<employeeId>`): takes that person's HR events in order, one at a
// time, and runs the joiner, mover or leaver each calls for. A termination interrupts unfinished
// onboarding; a verified leaver ends the workflow.
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Employee, HrEvent } from '../domain/hr-event';
import {
  employmentOf,
  isStale,
  type AppProgress,
  type EmploymentMemory,
  type ApprovalDecision,
  type ManualFulfilment,
  type SkipRequest,
  type TaskCompletion,
} from '../domain/lifecycle';
import type {
  IdentityResult,
  IdentityStatus,
  JoinerReport,
  LeaverReport,
  LifecycleStage,
  ProcessedEvent,
  RevocationRecord,
  ScheduledRevocation,
} from '../domain/lifecycle';
import type { AccessPlan } from '../domain/policy';
import type { SettledStep } from '../domain/step-evidence';
import { activities } from './activities-proxy';
import { AppLocks } from './app-locks';
import { correctDrift } from './drift-correction';
import { runJoiner, type StepContext } from './joiner';
import { followUpSkipped, runLeaver } from './leaver';
import { ApprovalGate } from './approval-gate';
import { ManualTasks } from './manual-tasks';
import {
  completeTaskUpdate,
  decideUpdate,
  decisionSignal,
  driftSignal,
  hrEventSignal,
  retrySignal,
  skipSignal,
  skipUpdate,
  statusQuery,
  taskDoneSignal,
  type DriftFinding,
  type IdentitySettings,
} from './messages';
import { Progress } from './progress';
import { RevocationSchedule } from './revocation-schedule';
import { revokeDue } from './scheduled-revocations';
import { recordsEvidence, StepEvidence } from './step-evidence';
import { summaries } from './summaries';
import { REMEMBERED_EVENT_IDS } from '../domain/employment-memory';

const REMEMBERED_HISTORY = 50;
const REMEMBERED_REVOCATIONS = 50;
const DEFAULT_DEPROVISION_DEADLINE_MS = 3_600_000;

export interface IdentityCarriedState {
  stage: LifecycleStage;
  employee?: Employee;
  plan?: AccessPlan;
  /** What the person holds per application, as last verified (approved privileged grants included). */
  granted: Record<string, string[]>;
  /** The application's own id for the person's account, per application: accounts are addressed by it. */
  accounts: Record<string, string>;
  /** Last approval request number, so ids stay unique across continue-as-new. */
  approvalSequence: number;
  /** Last manual task number, likewise. */
  taskSequence: number;
  /** Applications without an API, as of the last plan: their work is done by hand. */
  manualApps: Record<string, ManualFulfilment>;
  /** The task queue of each application with limits of its own, as of the last plan (absent: the main one). */
  appQueues?: Record<string, string>;
  /** Access to remove at a set time (time-bound privilege, mover overlap). */
  scheduled: ScheduledRevocation[];
  revocations: RevocationRecord[];
  processedEventIds: string[];
  queue: HrEvent[];
  history: ProcessedEvent[];
  lastJoiner?: JoinerReport;
  lastLeaver?: LeaverReport;
  /** When the last accepted termination occurred: events from before it are stale. */
  lastTerminationAt?: string;
  /** When the hire or rehire that began the current employment occurred: terminations before it are stale. */
  employmentStartedAt?: string;
  /** When each queued event reached the workflow (its evidence says so). */
  receivedAt?: Record<string, string>;
  /** The last step's per-application progress, so the status still shows it after continue-as-new. */
  apps?: AppProgress[];
  /** Reconciliation findings waiting their turn after the HR events. */
  drifts?: DriftFinding[];
}

export interface IdentityInput {
  employeeId: string;
  settings: IdentitySettings;
  carried?: IdentityCarriedState;
  /** The person's last finished run, for a new run: its processed events and last termination. */
  previous?: EmploymentMemory;
}

export async function identityWorkflow(input: IdentityInput): Promise<IdentityResult> {
  return new IdentityRun(input).run();
}

type Interruptible = 'hire' | 'change' | 'terminate-wait';

class IdentityRun {
  private readonly employeeId: string;
  private readonly settings: IdentitySettings;
  private readonly progress: Progress;
  private readonly gate: ApprovalGate;
  private readonly tasks: ManualTasks;
  private readonly schedule: RevocationSchedule;
  private readonly ctx: StepContext;
  private readonly state: IdentityCarriedState;
  /** Set while scheduled access is being removed: continue-as-new waits for it, a leaver cancels it. */
  private revoking?: CancellationScope;
  private readonly processed: Set<string>;
  private current?: { event: HrEvent; scope: CancellationScope; interruptible?: Interruptible };
  private readonly evidence: StepEvidence;
  /** What the event being processed did, for its evidence: the step, its plan, its report. */
  private step?: Pick<SettledStep, 'step' | 'plan' | 'joiner' | 'leaver' | 'deadline'>;

  constructor(input: IdentityInput) {
    this.employeeId = input.employeeId;
    this.settings = input.settings;
    // Runs carried over from before accounts were recorded start with none recorded.
    this.state = input.carried
      ? { ...input.carried, accounts: input.carried.accounts ?? {}, appQueues: input.carried.appQueues ?? {} }
      : {
          stage: 'pending',
          granted: {},
          accounts: {},
          approvalSequence: 0,
          taskSequence: 0,
          manualApps: {},
          appQueues: {},
          scheduled: [],
          revocations: [],
          processedEventIds: [...(input.previous?.processedEventIds ?? [])].slice(-REMEMBERED_EVENT_IDS),
          queue: [],
          history: [],
          lastTerminationAt: input.previous?.lastTerminationAt,
        };
    this.processed = new Set(this.state.processedEventIds);
    this.progress = new Progress(this.state.stage);
    if (this.state.apps) this.progress.restore(this.state.apps);
    const employment = employmentOf(workflowInfo().firstExecutionRunId);
    this.gate = new ApprovalGate(this.employeeId, employment, this.state.approvalSequence, () =>
      this.progress.showApprovals(this.gate.waiting()),
    );
    this.tasks = new ManualTasks(this.employeeId, employment, this.state.taskSequence, () =>
      this.progress.showTasks(this.tasks.waiting()),
    );
    this.schedule = new RevocationSchedule(this.state.scheduled);
    this.evidence = new StepEvidence(this.employeeId);
    this.progress.onFlag = (app) => {
      if (this.current) this.evidence.flagged(this.current.event.eventId, this.step?.step, app);
    };
    this.ctx = {
      progress: this.progress,
      gate: this.gate,
      tasks: this.tasks,
      manualApps: this.state.manualApps,
      appQueues: (this.state.appQueues ??= {}),
      locks: new AppLocks(),
      schedule: this.schedule,
      granted: this.state.granted,
      accounts: this.state.accounts,
      maxRetryIntervalMs: this.settings.maxRetryIntervalMs,
      moverOverlapMs: this.settings.moverOverlapMs ?? 0,
    };
    setHandler(hrEventSignal, (event) => this.receive(event), {
      description: 'An HR event (hire, change, terminate, rehire) for this person; duplicates are ignored.',
    });
    setHandler(retrySignal, (request) => this.retry(request ?? {}), {
      description: 'Try failing applications again now. Input: {} for all, or {"appId": "crm"}.',
    });
    setHandler(
      skipSignal,
      (request) => {
        const why = this.skipRefusal(request);
        if (why) log.warn('skip refused', { appId: request?.appId, why });
        else this.skip(request, 'temporal-ui');
      },
      {
        description:
          'Operator: set a leaver\'s application aside: {"appId", "reason", "by"}. It is never called ' +
          'verified; a follow-up retries it after the leaver.',
      },
    );
    setHandler(skipUpdate, (request) => this.skip(request, 'api'), {
      validator: (request: SkipRequest) => {
        const why = this.skipRefusal(request);
        if (why)
          throw refusalOf(
            why,
            this.progress.list().some((a) => a.appId === request?.appId),
          );
      },
      description: 'Like the skip signal, but a skip that cannot be taken is rejected at once with why.',
    });
    setHandler(driftSignal, (finding) => this.receiveDrift(finding), {
      description:
        'Reconciliation: an application out of line with the plan: {"findingId", "appId", "revoke", "grant"}.',
    });
    setHandler(statusQuery, () => this.status(), {
      description: 'Stage, what the workflow waits for, plan, per-application progress and reports.',
    });
    setHandler(
      decisionSignal,
      async (decision) => {
        const gone = await this.hasLeft(decision.approver);
        if (gone) this.gate.refuse(decision, gone);
        else this.gate.settle(decision);
      },
      {
        description:
          'An approver decides: {"requestId", "approve": true|false, "approver": "<employee id>", "reason"}.',
      },
    );
    setHandler(
      taskDoneSignal,
      async (completion) => {
        const gone = await this.hasLeft(completion.by);
        if (gone) this.tasks.refuse(completion, gone);
        else this.tasks.settle(completion);
      },
      {
        description: 'A fulfiller attests a manual task is done: {"taskId", "by": "<employee id>", "note"}.',
      },
    );
    setHandler(
      completeTaskUpdate,
      async (completion) => {
        const gone = await this.hasLeft(completion.by);
        if (gone) {
          this.tasks.refuse(completion, gone);
          throw refusalOf(gone, true);
        }
        const task = this.tasks.settle(completion);
        if (!task) throw refusalOf(this.tasks.refusal(completion) ?? 'completion refused', true);
        return task;
      },
      {
        validator: (completion: TaskCompletion) => {
          const why = this.tasks.refusal(completion);
          if (why) throw refusalOf(why, this.tasks.has(completion.taskId));
        },
        description: 'Like the taskDone signal, but someone who may not attest is rejected at once.',
      },
    );
    setHandler(
      decideUpdate,
      async (decision) => {
        const gone = await this.hasLeft(decision.approver);
        if (gone) {
          this.gate.refuse(decision, gone);
          throw refusalOf(gone, true);
        }
        const request = this.gate.settle(decision);
        if (!request) throw refusalOf(this.gate.refusal(decision) ?? 'decision refused', true);
        return request;
      },
      {
        validator: (decision: ApprovalDecision) => {
          const why = this.gate.refusal(decision);
          if (why) throw refusalOf(why, this.gate.has(decision.requestId));
        },
        description: 'Like the decision signal, but an approver who may not decide is rejected at once.',
      },
    );
    // Events carried over from a previous run still need their effective-date trigger.
    this.state.queue.forEach((e) => this.armInterrupt(e));
  }

  async run(): Promise<IdentityResult> {
    this.progress.describe('waiting for HR events');
    void this.revokeWhenDue();
    for (;;) {
      const drifts = (this.state.drifts ??= []);
      await condition(
        () => this.state.queue.length > 0 || drifts.length > 0 || workflowInfo().continueAsNewSuggested,
      );
      const event = this.state.queue.shift();
      // HR events go first: a termination makes a finding moot.
      const drift = event ? undefined : drifts.shift();
      if (drift) {
        await this.correctDrift(drift);
        continue;
      }
      if (!event) {
        await condition(() => allHandlersFinished() && !this.revoking);
        if (this.state.queue.length === 0) await continueAsNew<typeof identityWorkflow>(this.carryOver());
        continue;
      }
      await this.process(event);
      if (event.type === 'terminate') await this.followUp();
      if (this.progress.stage === 'left' && this.state.queue.length === 0 && this.state.lastLeaver) {
        await condition(allHandlersFinished);
        if (this.state.queue.length === 0) {
          return {
            employeeId: this.employeeId,
            stage: 'left',
            leaver: this.state.lastLeaver,
            processedEventIds: this.state.processedEventIds,
            lastTerminationAt: this.state.lastTerminationAt,
          };
        }
      }
    }
  }

  private receiveDrift(finding: DriftFinding): void {
    const names = (list: unknown) => Array.isArray(list) && list.every((e) => typeof e === 'string');
    const valid =
      typeof finding?.findingId === 'string' &&
      typeof finding.appId === 'string' &&
      names(finding.revoke) &&
      names(finding.grant);
    if (!valid) {
      log.warn('malformed drift finding ignored');
      return;
    }
    const known =
      this.processed.has(finding.findingId) ||
      (this.state.drifts ?? []).some((d) => d.findingId === finding.findingId);
    if (known) return;
    (this.state.drifts ??= []).push(finding);
  }

  /** A drift finding, as a step of its own after the HR events queued before it. */
  private async correctDrift(finding: DriftFinding): Promise<void> {
    const remember = (outcome: ProcessedEvent['outcome']) =>
      this.remember({ eventId: finding.findingId, type: 'drift', source: 'reconciliation' }, outcome);
    // Someone not (or no longer) active has no plan to put an application in line with.
    if (this.progress.stage !== 'active' || !this.state.employee) return remember('superseded');
    const change = await correctDrift(this.ctx, this.state.employee, this.state.plan, finding);
    remember('completed');
    if (!change) return;
    await this.evidence.corrected(finding.findingId, change);
    this.progress.describe('waiting for HR events');
  }

  private receive(event: HrEvent): void {
    if (event.employee.id !== this.employeeId) {
      log.warn('HR event for another employee ignored', { eventId: event.eventId });
      return;
    }
    const known =
      this.processed.has(event.eventId) ||
      this.current?.event.eventId === event.eventId ||
      this.state.queue.some((e) => e.eventId === event.eventId);
    if (known) {
      log.info('duplicate HR event ignored', { eventId: event.eventId });
      return;
    }
    if (isStale(event, this.state)) {
      log.warn('stale HR event refused: it occurred before the last termination', { eventId: event.eventId });
      this.remember(event, 'stale');
      return;
    }
    if (event.type === 'terminate')
      this.state.lastTerminationAt = latest(this.state.lastTerminationAt, event.occurredAt);
    if (event.type === 'hire' || event.type === 'rehire') {
      this.state.employmentStartedAt = latest(this.state.employmentStartedAt, event.occurredAt);
    }
    this.state.queue.push(event);
    (this.state.receivedAt ??= {})[event.eventId] = new Date().toISOString();
    this.armInterrupt(event);
  }

  /**
   * Once it is due, a termination interrupts unfinished onboarding (or a later termination's wait),
   * and a change withdraws the approvals an unfinished joiner or mover still waits for: the change
   * plans again from what the person holds, and asks again for what its plan still justifies.
   */
  private armInterrupt(event: HrEvent): void {
    if (event.type !== 'terminate' && event.type !== 'change') return;
    const delay = event.urgent ? 0 : msUntil(event.effectiveAt);
    const interrupt = () => {
      const current = this.current;
      if (!current?.interruptible || !this.state.queue.some((e) => e.eventId === event.eventId)) return;
      if (event.type === 'terminate') {
        log.info('termination interrupts current step', { eventId: current.event.eventId });
        current.scope.cancel();
      } else if (current.interruptible !== 'terminate-wait') {
        this.gate.withdrawPending(`superseded by HR event ${event.eventId}`);
      }
    };
    if (delay <= 0) interrupt();
    else void sleep(delay, { summary: summaries.interruptWhenDue(event.eventId) }).then(interrupt);
  }

  private async process(event: HrEvent): Promise<void> {
    const scope = new CancellationScope();
    this.step = undefined;
    this.current = { event, scope, interruptible: interruptibleKind(event) };
    let outcome: ProcessedEvent['outcome'] = 'completed';
    try {
      outcome = (await scope.run(() => this.handle(event))) ?? 'completed';
    } catch (error) {
      if (!isCancellation(error)) throw error;
      outcome = 'cancelled';
    } finally {
      this.current = undefined;
    }
    this.remember(event, outcome);
    await this.recordEvidence(event, outcome);
    if (outcome === 'cancelled') {
      // Everything queued before the termination is moot: the person is leaving.
      while (this.state.queue[0] && this.state.queue[0].type !== 'terminate') {
        this.remember(this.state.queue.shift()!, 'superseded');
      }
    }
    this.progress.describe('waiting for HR events');
  }

  /**
   * The applications an operator skipped in the leaver just settled: tried again until each is read
   * back clean, then on record as the leaver's follow-up. The person's next event waits for it.
   */
  private async followUp(): Promise<void> {
    const leaver = this.state.lastLeaver;
    const skipped = leaver?.applications.filter((a) => a.outcome === 'skipped') ?? [];
    if (!leaver || skipped.length === 0 || leaver.followUps) return;
    const employee = this.state.employee!;
    leaver.followUps = await followUpSkipped(this.ctx, employee, skipped);
    await this.evidence.followedUp(leaver.eventId, leaver.followUps);
    this.progress.describe('waiting for HR events');
  }

  /** The evidence of a processed event and of the step it ran, in the evidence store. */
  private async recordEvidence(event: HrEvent, outcome: ProcessedEvent['outcome']): Promise<void> {
    const receivedAt = this.state.receivedAt?.[event.eventId] ?? new Date().toISOString();
    delete this.state.receivedAt?.[event.eventId];
    await this.evidence.settled({
      workflowId: workflowInfo().workflowId,
      employment: employmentOf(workflowInfo().firstExecutionRunId),
      event,
      receivedAt,
      outcome,
      completedAt: new Date().toISOString(),
      ...this.step,
      tasks: this.tasks
        .list()
        .filter(
          (t) =>
            t.source === event.eventId || this.step?.joiner?.approvals.some((r) => r.requestId === t.source),
        ),
    });
  }

  /** Removes scheduled access when it is due, beside (never instead of) the HR event being processed. */
  private async revokeWhenDue(): Promise<void> {
    for (;;) {
      this.progress.showScheduled(this.schedule.list());
      const version = this.schedule.version;
      const changed = () => this.schedule.version !== version;
      const next = this.schedule.nextDueAt();
      if (next === undefined) {
        await condition(changed);
        continue;
      }
      if (next > Date.now()) {
        await condition(changed, next - Date.now(), { summary: summaries.nextScheduledRevocation });
        continue;
      }
      const due = this.schedule.takeDue(Date.now());
      this.revoking = new CancellationScope();
      try {
        const records = await this.revoking.run(() =>
          revokeDue(this.ctx, this.state.employee!, due, this.state.plan),
        );
        this.state.revocations.push(...records);
        this.state.revocations.splice(0, Math.max(0, this.state.revocations.length - REMEMBERED_REVOCATIONS));
      } catch (error) {
        if (!isCancellation(error)) throw error;
      } finally {
        this.revoking = undefined;
      }
    }
  }

  /** Runs the step the event calls for; returns an outcome other than `completed` where there is one. */
  private async handle(event: HrEvent): Promise<ProcessedEvent['outcome'] | void> {
    const ctx = this.ctx;
    switch (event.type) {
      case 'hire':
      case 'rehire': {
        await this.waitUntilEffective(event, this.settings.joinerLeadTimeMs, 'provision the joiner');
        this.state.employee = event.employee;
        return this.applyPlan(ctx, event, 'joining');
      }
      case 'change': {
        await this.waitUntilEffective(event, 0, 'apply the change');
        this.state.employee = event.employee;
        // A change for someone not (yet) active only updates their attributes.
        if (this.progress.stage !== 'active') return;
        return this.applyPlan(ctx, event, 'moving');
      }
      case 'terminate': {
        // One leaver per employment: a further termination is covered by that leaver and its report.
        if (this.progress.stage === 'left') return 'merged';
        if (!event.urgent) await this.waitUntilEffective(event, 0, 'remove all access');
        // Past this point the leaver runs to the end: nothing interrupts a deprovisioning.
        if (this.current) this.current.interruptible = undefined;
        this.state.employee = event.employee;
        this.progress.setStage('leaving');
        // The leaver removes everything: nothing is left to remove later, and a removal under way
        // (perhaps waiting for someone's attestation) gives way to it.
        this.schedule.clear();
        this.revoking?.cancel();
        const { plan, applications } = await this.planFor(event.employee);
        const deadline = this.deadlineOf(event);
        this.step = { step: 'leaver', plan, deadline };
        this.state.lastLeaver = await this.withDeadline(event.eventId, deadline, () =>
          runLeaver(ctx, event.eventId, event.employee, applications, plan.policyVersion),
        );
        this.step.leaver = this.state.lastLeaver;
        this.state.plan = undefined;
        for (const appId of Object.keys(this.state.granted)) delete this.state.granted[appId];
        this.progress.setStage('left');
        return;
      }
    }
  }

  /** Why this skip cannot be taken now; undefined when it can. */
  private skipRefusal(request: SkipRequest): string | undefined {
    const why = this.progress.skipRefusal(request);
    if (why) return why;
    if (this.state.manualApps[request.appId])
      return `${request.appId} is done by hand: its leaver task's attestation settles it, not a skip`;
    return this.current?.event.type === 'terminate' ? undefined : 'no leaver is running';
  }

  /** An operator's retry: the failing applications are tried now, and each retry is on the record. */
  private retry({ appId, by, via }: { appId?: string; by?: string; via?: string }): void {
    const retrying = this.progress.requestRetry(typeof appId === 'string' ? appId : undefined);
    const step = this.step?.step;
    if (!this.current || !step || retrying.length === 0) return;
    const who = typeof by === 'string' && by.trim() ? by.trim().slice(0, 128) : 'an operator';
    const door = via === 'api' ? 'api' : 'temporal-ui';
    this.evidence.retried(this.current.event.eventId, step, retrying, who, door);
  }

  private skip(request: SkipRequest, via: string) {
    const decision = this.progress.skip(request, via);
    log.warn('leaver application skipped by an operator', { appId: decision.appId, via });
    this.evidence.skipped(this.current!.event.eventId, decision);
    return decision;
  }

  /**
   * Why someone may no longer decide or attest: jml's own record of them shows they have left (or are
   * leaving). Someone jml has no record of is not refused for it.
   */
  private async hasLeft(employeeId: string): Promise<string | undefined> {
    const standing = await activities.employmentStanding.executeWithOptions(
      { summary: summaries.standing(employeeId) },
      [employeeId],
    );
    return standing === 'left'
      ? `${employeeId} has left: their decisions and attestations are refused`
      : undefined;
  }

  /** Joiner and mover: plan from the policy, then grant and revoke against what the person holds. */
  private async applyPlan(ctx: StepContext, event: HrEvent, stage: 'joining' | 'moving'): Promise<void> {
    this.progress.setStage(stage);
    const { plan } = await this.planFor(event.employee);
    this.state.plan = plan;
    this.step = { step: stage === 'joining' ? 'joiner' : 'mover', plan };
    this.state.lastJoiner = await runJoiner(ctx, event.eventId, event.employee, plan, stage === 'joining');
    this.step.joiner = this.state.lastJoiner;
    this.progress.setStage('active');
  }

  /** By when a termination's leaver must be verified everywhere: its effective time plus the deadline. */
  private deadlineOf(event: HrEvent): string {
    const received = this.state.receivedAt?.[event.eventId] ?? new Date().toISOString();
    const effective = !event.urgent && event.effectiveAt ? event.effectiveAt : received;
    const ms = this.settings.deprovisionDeadlineMs ?? DEFAULT_DEPROVISION_DEADLINE_MS;
    return new Date(Date.parse(effective) + ms).toISOString();
  }

  /** Runs the leaver; past its deadline it is flagged (NeedsAttention, an alert, the evidence) until done. */
  private async withDeadline<T>(eventId: string, deadline: string, leaver: () => Promise<T>): Promise<T> {
    if (!recordsEvidence()) return leaver();
    const watch = new CancellationScope();
    void watch
      .run(() =>
        sleep(Math.max(0, Date.parse(deadline) - Date.now()), {
          summary: summaries.deprovisionDeadline(deadline),
        }),
      )
      .then(() => {
        log.error('ALERT: leaver past its deprovisioning deadline', { eventId, deadline });
        this.progress.setLate(deadline);
        this.evidence.deadlineMissed(eventId, deadline);
      })
      .catch(() => undefined);
    try {
      return await leaver();
    } finally {
      watch.cancel();
      this.progress.setLate(undefined);
    }
  }

  /** The plan of record, which applications are fulfilled by hand, and where each one's calls go, as of now. */
  private async planFor(employee: Employee) {
    const result = await activities.planAccess.executeWithOptions({ summary: summaries.plan(employee.id) }, [
      employee,
    ]);
    const manual = this.state.manualApps;
    const queues = this.ctx.appQueues;
    for (const appId of Object.keys(manual)) delete manual[appId];
    for (const appId of Object.keys(queues)) delete queues[appId];
    for (const app of result.applications) {
      if (app.manual) manual[app.id] = app.manual;
      if (app.taskQueue) queues[app.id] = app.taskQueue;
    }
    return result;
  }

  private async waitUntilEffective(event: HrEvent, leadTimeMs: number, what: string): Promise<void> {
    const delay = msUntil(event.effectiveAt) - leadTimeMs;
    if (delay <= 0) return;
    const at = new Date(Date.now() + delay).toISOString();
    this.progress.describe(`waiting until ${at} to ${what} (event ${event.eventId})`);
    await sleep(delay, { summary: summaries.untilEffective(what, event.eventId) });
  }

  private remember(
    event: Pick<HrEvent, 'eventId' | 'source'> & { type: ProcessedEvent['type'] },
    outcome: ProcessedEvent['outcome'],
  ): void {
    this.processed.add(event.eventId);
    this.state.processedEventIds.push(event.eventId);
    if (this.state.processedEventIds.length > REMEMBERED_EVENT_IDS) {
      this.processed.delete(this.state.processedEventIds.shift()!);
    }
    this.state.history.push({
      eventId: event.eventId,
      type: event.type,
      source: event.source,
      outcome,
      at: new Date().toISOString(),
    });
    if (this.state.history.length > REMEMBERED_HISTORY) this.state.history.shift();
  }

  private carryOver(): IdentityInput {
    return {
      employeeId: this.employeeId,
      settings: this.settings,
      carried: {
        ...this.state,
        stage: this.progress.stage,
        apps: this.progress.list(),
        approvalSequence: this.gate.lastSequence,
        taskSequence: this.tasks.lastSequence,
      },
    };
  }

  private status(): IdentityStatus {
    const brief = (e: HrEvent) => ({ eventId: e.eventId, type: e.type, effectiveAt: e.effectiveAt });
    return {
      employeeId: this.employeeId,
      stage: this.progress.stage,
      waitingFor: this.progress.waitingFor,
      needsAttention: this.progress.needsAttention,
      current: this.current && brief(this.current.event),
      queued: this.state.queue.map(brief),
      plan: this.state.plan,
      apps: this.progress.list(),
      approvals: this.gate.list(),
      tasks: this.tasks.list(),
      scheduled: this.schedule.list(),
      revocations: this.state.revocations,
      lastJoiner: this.state.lastJoiner,
      lastLeaver: this.state.lastLeaver,
      history: this.state.history,
    };
  }
}

function interruptibleKind(event: HrEvent): Interruptible {
  if (event.type === 'terminate') return 'terminate-wait';
  return event.type === 'change' ? 'change' : 'hire';
}

/** An update's refusal, typed so front doors can tell an unknown request or task (`NotFound`) from a refused one. */
function refusalOf(why: string, known: boolean): ApplicationFailure {
  return ApplicationFailure.create({
    message: why,
    type: known ? 'Refused' : 'NotFound',
    nonRetryable: true,
  });
}

function latest(a: string | undefined, b: string): string {
  return a && Date.parse(a) >= Date.parse(b) ? a : b;
}

function msUntil(iso: string | undefined): number {
  return iso ? Date.parse(iso) - Date.now() : 0;
}
