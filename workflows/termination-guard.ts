// The mass-termination guard: one long-running workflow per deployment (termination-guard-<task
// queue>) that the intake asks, by update, about every termination. It keeps the sliding hour of
// admitted terminations, holds what goes beyond the limit until the guard's approvers decide, then
// hands released terminations to the people's workflows (an activity calling the same intake) or
// drops them, and writes the hold, the decision and each drop to the held person's evidence.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GuardAlert, TerminationGuardActivities } from '../activities/termination-guard';
import { evidenceKey, type EvidenceInput } from '../domain/evidence-record';
import type { HrEvent } from '../domain/hr-event';
import { employmentOf } from '../domain/lifecycle';
import {
  admission,
  decidedBy,
  decisionRefusal,
  GUARD_WINDOW_MS,
  terminationLimit,
  trimWindow,
  type AdmittedTermination,
  type GuardDecision,
  type HeldTermination,
  type TerminationGuardSettings,
  type WorkforceCount,
} from '../domain/termination-guard';
import { evidence } from './activities-proxy';
import type { IdentitySettings } from './messages';
import {
  admitTerminationUpdate,
  admitTerminationsUpdate,
  decideHeldUpdate,
  guardDecisionSignal,
  guardStatusQuery,
  type AdmitAnswer,
  type AdmitBatchRequest,
  type AdmitRequest,
  type DecideHeldRequest,
  type GuardCarry,
  type GuardDecisionRecord,
  type GuardStatus,
  type TerminationGuardInput,
} from './termination-guard-messages';

/** Decisions (carried out and refused) kept in state for the UI and the status query. */
const KEEP_DECISIONS = 20;
/** How long a workforce count is used before it is read again. */
const WORKFORCE_TTL_MS = 600_000;
/** After a failed count, how long the last known one (or the hourly limit alone) is used. */
const WORKFORCE_RETRY_MS = 60_000;
/** An idle guard (nothing held, the hour empty) ends this long after its last termination at the soonest. */
const IDLE_GRACE_MS = 60_000;
/** Held people listed in the current details; the status query lists them all. */
const DETAILS_ROWS = 50;
/** Evidence records per activity call. */
const RECORDS_PER_BATCH = 100;

const quick = proxyActivities<TerminationGuardActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumAttempts: 3 },
});
/** Released terminations are handed over until they are: each person's workflow takes each eventId once. */
const releasing = proxyActivities<TerminationGuardActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function terminationGuardWorkflow(input: TerminationGuardInput): Promise<void> {
  await new TerminationGuard(input).run();
}

class TerminationGuard {
  private readonly workflowId = workflowInfo().workflowId;
  /** From the first run, so hold ids (and evidence keys) of a later guard run never repeat these. */
  private readonly employment = employmentOf(workflowInfo().firstExecutionRunId);
  private settings: TerminationGuardSettings;
  private identitySettings: IdentitySettings;
  private window: AdmittedTermination[];
  private held: HeldTermination[];
  private nextHold: number;
  private workforce?: WorkforceCount;
  private workforceFailedAt?: number;
  private counting?: Promise<void>;
  private decisions: GuardDecisionRecord[];
  private rejectedDecisions: GuardStatus['rejectedDecisions'];
  /** Work the handlers leave for the main loop, done in this order. */
  private readonly records: EvidenceInput[] = [];
  private readonly releases: HrEvent[] = [];
  private readonly alerts: GuardAlert[] = [];
  private lastActivityAt = Date.now();

  constructor(input: TerminationGuardInput) {
    this.settings = input.settings;
    this.identitySettings = input.identitySettings;
    const carried = input.carried;
    this.window = carried?.window ?? [];
    this.held = carried?.held ?? [];
    this.nextHold = carried?.nextHold ?? 1;
    this.workforce = carried?.workforce;
    this.decisions = carried?.decisions ?? [];
    this.rejectedDecisions = carried?.rejectedDecisions ?? [];

    setHandler(admitTerminationUpdate, (request) => this.admit(request), {
      description: 'Admit one termination, or hold it for the guard approvers (answers at once).',
    });
    setHandler(admitTerminationsUpdate, (request) => this.admitAll(request), {
      description: 'Admit or hold terminations that reached one intake together, in their order.',
    });
    setHandler(guardDecisionSignal, (decision) => {
      const why = decisionRefusal(this.held, this.settings.approvers, decision);
      // A signal comes from the Temporal UI or CLI: whatever `via` it names, that is how it came.
      const sent = { ...decision, via: 'temporal' };
      if (why) this.refuse(sent, why);
      else this.decide(sent, 'temporal');
    });
    setHandler(
      decideHeldUpdate,
      (request: DecideHeldRequest) => {
        if (request.settings) this.settings = request.settings;
        return this.decide(request, request.via ?? 'temporal');
      },
      {
        validator: (request: DecideHeldRequest) => {
          const approvers = (request.settings ?? this.settings).approvers;
          const why = decisionRefusal(this.held, approvers, request);
          if (why) throw ApplicationFailure.create({ message: why, type: 'Refused', nonRetryable: true });
        },
        description:
          'Like the guardDecision signal, but a decision that may not be carried out is rejected at once.',
      },
    );
    setHandler(guardStatusQuery, () => this.status());
  }

  async run(): Promise<void> {
    this.describe();
    for (;;) {
      const idleEnd = this.idleEndsIn();
      const due = () => this.hasWork() || workflowInfo().continueAsNewSuggested;
      if (idleEnd === undefined) await condition(due);
      else await condition(due, idleEnd);
      if (this.hasWork()) {
        await this.work();
        continue;
      }
      const idle = this.idleEndsIn() === 0;
      if (!idle && !workflowInfo().continueAsNewSuggested) continue;
      await condition(allHandlersFinished);
      if (this.hasWork()) continue;
      // Nothing held and the hour empty: the next termination starts a new run (Update-with-Start).
      if (this.idleEndsIn() === 0) return;
      await continueAsNew<typeof terminationGuardWorkflow>({
        settings: this.settings,
        identitySettings: this.identitySettings,
        carried: this.carry(),
      });
    }
  }

  private async admit({ event, settings, identitySettings }: AdmitRequest): Promise<AdmitAnswer> {
    await this.prepare(settings, identitySettings);
    return this.admitOne(event);
  }

  /** Terminations that reached one intake together, admitted or held in their order, in one step. */
  private async admitAll({ events, settings, identitySettings }: AdmitBatchRequest): Promise<AdmitAnswer[]> {
    await this.prepare(settings, identitySettings);
    return events.map((event) => this.admitOne(event));
  }

  /** The intake's configuration (the latest wins), and the workforce count where a share limits. */
  private async prepare(settings: TerminationGuardSettings, identitySettings: IdentitySettings) {
    this.settings = settings;
    this.identitySettings = identitySettings;
    if (settings.maxTerminationsPercent !== undefined) await this.countWorkforce();
  }

  /** Nothing awaited here: the answer and the state change are one step. */
  private admitOne(event: HrEvent): AdmitAnswer {
    const now = Date.now();
    this.lastActivityAt = now;
    this.window = trimWindow(this.window, now);
    const limit = this.limit();
    const employeeId = event.employee.id;
    const decided = admission(
      { window: this.window, held: this.held },
      { employeeId, eventId: event.eventId, urgent: event.urgent },
      limit,
    );
    const counts = () => ({ limit, admittedInWindow: this.window.length, held: this.held.length });
    if (decided.outcome === 'admitted') {
      if (decided.counted) this.window.push({ employeeId, eventId: event.eventId, at: now });
      this.describe();
      return { outcome: 'admitted', why: decided.why, ...counts() };
    }
    const same = this.held.find((h) => h.eventId === event.eventId);
    if (same) return { outcome: 'held', why: 'already held', holdId: same.holdId, ...counts() };
    const hold = this.hold(event, now, limit);
    this.describe();
    return { outcome: 'held', why: decided.why, holdId: hold.holdId, ...counts() };
  }

  private hold(event: HrEvent, now: number, limit: number): HeldTermination {
    const employeeId = event.employee.id;
    const hold: HeldTermination = {
      holdId: `guard-${this.employment}-${this.nextHold++}-${employeeId}`,
      employeeId,
      eventId: event.eventId,
      heldAt: new Date(now).toISOString(),
      event,
    };
    const firstHeld = this.held.length === 0;
    this.held.push(hold);
    this.records.push({
      key: this.key(hold.holdId, 'approval-request'),
      employeeId,
      occurredAt: hold.heldAt,
      kind: 'approval-request',
      body: {
        requestId: hold.holdId,
        eventId: event.eventId,
        change: 'opened',
        entitlement: 'all access (termination held by the mass-termination guard)',
        risk: 'mass-termination',
        step: 0,
        stepLabel: 'mass-termination guard approvers',
        approvers: this.settings.approvers,
        reason: `${this.window.length} termination(s) admitted in the last hour, limit ${limit}`,
      },
    });
    if (firstHeld) this.alert('holding');
    return hold;
  }

  /** Carries out a decision that passed decisionRefusal. */
  private decide(decision: GuardDecision, via: string): GuardDecisionRecord & { held: number } {
    const affected = decidedBy(this.held, decision);
    const decided = new Set(affected.map((h) => h.holdId));
    this.held = this.held.filter((h) => !decided.has(h.holdId));
    const record: GuardDecisionRecord = {
      approve: decision.approve,
      approver: decision.approver,
      via,
      decidedAt: new Date().toISOString(),
      ...(decision.reason ? { reason: decision.reason } : {}),
      employeeIds: affected.map((h) => h.employeeId),
    };
    this.decisions = [...this.decisions, record].slice(-KEEP_DECISIONS);
    this.lastActivityAt = Date.now();
    for (const hold of affected) {
      this.records.push({
        key: this.key(hold.holdId, 'approval-decision'),
        employeeId: hold.employeeId,
        occurredAt: record.decidedAt,
        kind: 'approval-decision',
        body: {
          requestId: hold.holdId,
          approve: decision.approve,
          approver: decision.approver,
          via,
          decidedAt: record.decidedAt,
          reason: decision.reason,
        },
      });
      if (!decision.approve) {
        this.records.push({
          key: this.key(`${hold.holdId}/dropped`, 'approval-request'),
          employeeId: hold.employeeId,
          occurredAt: record.decidedAt,
          kind: 'approval-request',
          body: {
            requestId: hold.holdId,
            eventId: hold.eventId,
            change: 'withdrawn',
            entitlement: 'all access (termination held by the mass-termination guard)',
            risk: 'mass-termination',
            step: 0,
            stepLabel: 'mass-termination guard approvers',
            approvers: this.settings.approvers,
            reason: `termination dropped: ${decision.approver} rejected it; no access was removed`,
          },
        });
      }
    }
    // A released termination is delivered as it came: the person's workflow records it and its leaver.
    if (decision.approve) this.releases.push(...affected.map((h) => h.event));
    this.alert(decision.approve ? 'released' : 'dropped', {
      approver: decision.approver,
      via,
      terminations: affected.length,
    });
    this.describe();
    return { ...record, held: this.held.length };
  }

  /** A refused signal: kept for the audit trail with the held people it named, and ignored. */
  private refuse(decision: GuardDecision, why: string): void {
    const at = new Date().toISOString();
    this.rejectedDecisions = [...this.rejectedDecisions, { approver: decision.approver, at, why }].slice(
      -KEEP_DECISIONS,
    );
    const refusal = this.nextHold++;
    for (const hold of decidedBy(this.held, decision)) {
      this.records.push({
        key: this.key(`${hold.holdId}/refused-${refusal}`, 'approval-decision'),
        employeeId: hold.employeeId,
        occurredAt: at,
        kind: 'approval-decision',
        body: {
          requestId: hold.holdId,
          approve: decision.approve,
          approver: decision.approver,
          via: decision.via ?? 'temporal',
          decidedAt: at,
          reason: decision.reason,
          refused: why,
        },
      });
    }
    log.warn('termination guard decision refused', { approver: decision.approver, why });
    this.describe();
  }

  private hasWork(): boolean {
    return this.records.length > 0 || this.releases.length > 0 || this.alerts.length > 0;
  }

  /** Evidence first, so a decision is on record before any leaver it releases starts. */
  private async work(): Promise<void> {
    while (this.records.length > 0) {
      const batch = this.records.splice(0, RECORDS_PER_BATCH);
      await evidence.recordEvidenceBatch.executeWithOptions(
        { summary: `record ${batch.length} mass-termination guard evidence record(s)` },
        [batch],
      );
    }
    if (this.releases.length > 0) {
      const events = this.releases.splice(0);
      await releasing.releaseHeldTerminations.executeWithOptions(
        { summary: `hand ${events.length} released termination(s) to the people's workflows` },
        [{ events, settings: this.identitySettings }],
      );
      this.describe();
    }
    for (const alert of this.alerts.splice(0)) {
      await quick.alertTerminationGuard.executeWithOptions(
        { summary: `ALERT: ${alert.kind} (${alert.held} held)` },
        [alert],
      );
    }
  }

  private async countWorkforce(): Promise<void> {
    const now = Date.now();
    if (this.workforce && now - this.workforce.countedAt < WORKFORCE_TTL_MS) return;
    if (this.workforceFailedAt !== undefined && now - this.workforceFailedAt < WORKFORCE_RETRY_MS) return;
    // Terminations arriving together wait for one count.
    this.counting ??= quick.countWorkforce
      .executeWithOptions({ summary: 'count the workforce (employed people) for the percentage limit' }, [])
      .then(
        (count) => {
          this.workforce = { count, countedAt: Date.now() };
          this.workforceFailedAt = undefined;
        },
        (error: unknown) => {
          this.workforceFailedAt = Date.now();
          log.warn('termination guard: the workforce could not be counted; the last count is used', {
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        this.counting = undefined;
      });
    await this.counting;
  }

  private limit(): number {
    return terminationLimit(this.settings, this.workforce?.count);
  }

  /** 0 when the guard may end now, undefined while something is held, else how long until it may. */
  private idleEndsIn(): number | undefined {
    if (this.held.length > 0 || this.hasWork()) return undefined;
    const now = Date.now();
    const newest = Math.max(0, ...trimWindow(this.window, now).map((a) => a.at));
    const freeAt = Math.max(newest + GUARD_WINDOW_MS, this.lastActivityAt + IDLE_GRACE_MS);
    return Math.max(0, freeAt - now);
  }

  private alert(kind: GuardAlert['kind'], decision?: GuardAlert['decision']): void {
    this.alerts.push({
      kind,
      guardWorkflowId: this.workflowId,
      held: this.held.length,
      admittedInWindow: this.window.length,
      limit: this.limit(),
      approvers: this.settings.approvers,
      ...(decision ? { decision } : {}),
    });
  }

  private key(step: string, kind: EvidenceInput['kind']): string {
    return evidenceKey({ workflowId: this.workflowId, employment: this.employment, step, kind });
  }

  private carry(): GuardCarry {
    return {
      window: trimWindow(this.window, Date.now()),
      held: this.held,
      nextHold: this.nextHold,
      workforce: this.workforce,
      decisions: this.decisions,
      rejectedDecisions: this.rejectedDecisions,
    };
  }

  private status(): GuardStatus {
    const window = trimWindow(this.window, Date.now());
    const oldest = window[0];
    return {
      workflowId: this.workflowId,
      settings: this.settings,
      limit: this.limit(),
      ...(this.workforce ? { workforce: this.workforce } : {}),
      admittedInWindow: window.length,
      ...(oldest ? { windowFreesAt: new Date(oldest.at + GUARD_WINDOW_MS).toISOString() } : {}),
      held: this.held.map((h) => ({
        holdId: h.holdId,
        employeeId: h.employeeId,
        eventId: h.eventId,
        heldAt: h.heldAt,
        ...(h.event.effectiveAt ? { effectiveAt: h.event.effectiveAt } : {}),
      })),
      releasing: this.releases.length,
      decisions: this.decisions,
      rejectedDecisions: this.rejectedDecisions,
    };
  }

  /** The UI's current details: what the guard holds and who may release it, in words and ids. */
  private describe(): void {
    const { limit, admittedInWindow, held, decisions, rejectedDecisions } = this.status();
    const approvers = this.settings.approvers.join(', ') || 'nobody (guard.approvers is empty)';
    // A continued run has no static summary (continue-as-new does not carry one): the details name it.
    const lines = [
      '**Mass-termination guard**',
      '',
      held.length > 0
        ? `**Holding ${held.length} termination(s)** until a guard approver (${approvers}) decides.`
        : 'Admitting terminations: nothing is held.',
      '',
      `${admittedInWindow} admitted in the last hour; limit ${limit} per hour` +
        (this.workforce ? ` (workforce ${this.workforce.count})` : '') +
        '. Urgent terminations are always admitted, and counted.',
    ];
    if (held.length > 0) {
      lines.push(
        '',
        'Decide with `jml guard approve|reject --as <approver> [--employee <id>...]`, `POST /v1/guard/decisions`, ' +
          'or the `guardDecision` signal: `{"approve": true, "approver": "<id>", "reason": "…"}` ' +
          '(add `"employeeIds": [...]` to decide only some).',
        '',
        '| hold | employee | event | held at |',
        '| --- | --- | --- | --- |',
        ...held
          .slice(0, DETAILS_ROWS)
          .map((h) => `| ${h.holdId} | ${h.employeeId} | ${h.eventId} | ${h.heldAt} |`),
      );
      if (held.length > DETAILS_ROWS) lines.push(`| … and ${held.length - DETAILS_ROWS} more | | | |`);
    }
    const last = decisions.at(-1);
    if (last) {
      lines.push(
        '',
        `Last decision: ${last.approve ? 'released' : 'dropped'} ${last.employeeIds.length} by ${last.approver} ` +
          `(${last.via}) at ${last.decidedAt}.`,
      );
    }
    const refused = rejectedDecisions.at(-1);
    if (refused)
      lines.push('', `Last refused decision: ${refused.approver} at ${refused.at}: ${refused.why}.`);
    setCurrentDetails(lines.join('\n'));
  }
}
