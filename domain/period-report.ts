// The figures of a period, from its lifecycle steps' evidence: time to provision, change and
// deprovision (median, p95, max), leavers against their deadline, verification failures per
// application, approvals waiting and decided, manual tasks overdue, drift found, operators' skips
// and retries, and the follow-ups of skipped applications still open. Pure; built a step at a time,
// so a quarter's steps need not all be in memory at once.
import { certificateOfStep } from './leaver-certificate';
import {
  groupSteps,
  type AppEvidence,
  type EvidenceRecordView,
  type RecordedStep,
  type StepKind,
} from './recorded-steps';
import { exportRow } from './period-export';

/** Durations in milliseconds; percentiles by nearest rank. Null figures: no step of the kind was done. */
export interface DurationStats {
  count: number;
  /** Steps of the kind in the period not done yet (leavers: not every application verified). */
  notDone: number;
  medianMs: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface SkippedApplication {
  employeeId: string;
  eventId: string;
  step: StepKind;
  appId: string;
  by: string;
  via: string;
  reason?: string;
  at: string;
  /** Whether a follow-up has since verified the application, and when. */
  followUp: 'verified' | 'open';
  verifiedAt?: string;
}

export interface PeriodReport {
  steps: Record<StepKind, number>;
  timeToProvision: DurationStats;
  timeToChange: DurationStats;
  timeToDeprovision: DurationStats;
  /** Leavers with a recorded deadline, by how they stand against it. */
  deadlines: { met: number; late: number; pending: number; overdue: number; maxLateByMs: number | null };
  /** Per application: how often a step flagged it, by reason (attention records). */
  verificationFailures: Record<
    string,
    { failing: number; stalled: number; unverifiable: number; heldByOther: number }
  >;
  approvals: { requested: number; approved: number; denied: number; withdrawn: number; waiting: number };
  /** Manual tasks the period's steps opened; `overdue`: still open past their deadline now. */
  manualTasks: {
    opened: number;
    attested: number;
    attestedLate: number;
    withdrawn: number;
    open: number;
    overdue: number;
  };
  /**
   * Per application: entitlements a joiner's or mover's read-back showed beyond its plan, and those a
   * joiner removed from an adopted account; `steps` is how many steps found any.
   */
  drift: Record<string, { entitlements: number; steps: number }>;
  overrides: { skips: number; retries: number };
  skipped: SkippedApplication[];
  /** The skipped applications no follow-up has verified yet. */
  openFollowUps: SkippedApplication[];
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function stats(durations: number[], notDone: number): DurationStats {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    notDone,
    medianMs: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : null,
  };
}

const latest = <T extends { occurredAt: string }>(items: T[]): T | undefined =>
  items.reduce<T | undefined>(
    (last, item) => (!last || item.occurredAt >= last.occurredAt ? item : last),
    undefined,
  );

export class PeriodReportBuilder {
  private readonly durations: Record<StepKind, number[]> = { joiner: [], mover: [], leaver: [] };
  private readonly notDone: Record<StepKind, number> = { joiner: 0, mover: 0, leaver: 0 };
  private readonly report: Omit<PeriodReport, 'timeToProvision' | 'timeToChange' | 'timeToDeprovision'> = {
    steps: { joiner: 0, mover: 0, leaver: 0 },
    deadlines: { met: 0, late: 0, pending: 0, overdue: 0, maxLateByMs: null },
    verificationFailures: {},
    approvals: { requested: 0, approved: 0, denied: 0, withdrawn: 0, waiting: 0 },
    manualTasks: { opened: 0, attested: 0, attestedLate: 0, withdrawn: 0, open: 0, overdue: 0 },
    drift: {},
    overrides: { skips: 0, retries: 0 },
    skipped: [],
    openFollowUps: [],
  };

  constructor(private readonly now: Date) {}

  add(step: RecordedStep): void {
    const report = this.report;
    report.steps[step.step] += 1;
    const row = exportRow(step, this.now);
    if (row.durationMs === undefined) this.notDone[step.step] += 1;
    else this.durations[step.step].push(row.durationMs);
    if (step.step === 'leaver') this.addLeaver(step);
    for (const app of step.apps) {
      this.addFlags(app);
      this.addTasks(app);
      this.addOverrides(step, app);
      if (step.step !== 'leaver') this.addDrift(step, app);
    }
    this.addApprovals(step);
  }

  finish(): PeriodReport {
    const { steps, ...rest } = this.report;
    const byTime = (a: SkippedApplication, b: SkippedApplication) => Date.parse(a.at) - Date.parse(b.at);
    return {
      steps,
      timeToProvision: stats(this.durations.joiner, this.notDone.joiner),
      timeToChange: stats(this.durations.mover, this.notDone.mover),
      timeToDeprovision: stats(this.durations.leaver, this.notDone.leaver),
      ...rest,
      skipped: [...rest.skipped].sort(byTime),
      openFollowUps: [...rest.openFollowUps].sort(byTime),
    };
  }

  private addLeaver(step: RecordedStep): void {
    const deadline = certificateOfStep(step, this.now).deadline;
    if (!deadline) return;
    const deadlines = this.report.deadlines;
    deadlines[deadline.status] += 1;
    if (deadline.lateByMs !== undefined) {
      deadlines.maxLateByMs = Math.max(deadlines.maxLateByMs ?? 0, deadline.lateByMs);
    }
  }

  private addFlags(app: AppEvidence): void {
    for (const { body } of app.attentions) {
      const reason =
        body.reason === 'held-by-other'
          ? 'heldByOther'
          : body.reason === 'failing' || body.reason === 'stalled' || body.reason === 'unverifiable'
            ? body.reason
            : undefined;
      if (!reason) continue;
      const counts = (this.report.verificationFailures[app.appId] ??= {
        failing: 0,
        stalled: 0,
        unverifiable: 0,
        heldByOther: 0,
      });
      counts[reason] += 1;
    }
  }

  private addTasks(app: AppEvidence): void {
    const tasks = this.report.manualTasks;
    const ids = new Set(app.tasks.map((t) => t.body.taskId));
    // A step whose read-back of the application rests on an attestation was attested, even where the
    // attestation itself was not recorded (a joiner's grant task): then when the read-back says.
    const attestedReadBack = latest(
      app.readBacks.filter((r) => r.body.verified && r.body.evidence === 'attestation'),
    );
    for (const taskId of ids) {
      const records = app.tasks.filter((t) => t.body.taskId === taskId);
      const opened = records.reduce(
        (first, t) => (t.occurredAt < first ? t.occurredAt : first),
        records[0]!.occurredAt,
      );
      const attestation = latest(app.attestations.filter((a) => a.body.taskId === taskId && !a.body.refused));
      const attestedAt =
        attestation?.body.at ??
        (attestedReadBack && Date.parse(attestedReadBack.body.verifiedAt) >= Date.parse(opened)
          ? attestedReadBack.body.verifiedAt
          : undefined);
      const deadline = latest(records)!.body.deadline;
      tasks.opened += 1;
      if (attestedAt) {
        tasks.attested += 1;
        if (Date.parse(attestedAt) > Date.parse(deadline)) tasks.attestedLate += 1;
      } else if (records.some((t) => t.body.change === 'withdrawn')) {
        tasks.withdrawn += 1;
      } else {
        tasks.open += 1;
        if (this.now.getTime() > Date.parse(deadline)) tasks.overdue += 1;
      }
    }
  }

  private addOverrides(step: RecordedStep, app: AppEvidence): void {
    const overrides = this.report.overrides;
    overrides.retries += app.overrides.filter((o) => o.body.action === 'retry').length;
    const skip = latest(app.overrides.filter((o) => o.body.action === 'skip'));
    if (!skip) return;
    overrides.skips += app.overrides.filter((o) => o.body.action === 'skip').length;
    const followUp = latest(app.followUpReadBacks.filter((r) => r.body.verified));
    const skipped: SkippedApplication = {
      employeeId: step.employeeId,
      eventId: step.eventId,
      step: step.step,
      appId: app.appId,
      by: skip.body.by,
      via: skip.body.via,
      ...(skip.body.reason ? { reason: skip.body.reason } : {}),
      at: skip.occurredAt,
      followUp: followUp ? 'verified' : 'open',
      ...(followUp ? { verifiedAt: followUp.body.verifiedAt } : {}),
    };
    this.report.skipped.push(skipped);
    if (!followUp) this.report.openFollowUps.push(skipped);
  }

  private addDrift(step: RecordedStep, app: AppEvidence): void {
    const planned = new Set(step.plan?.apps[app.appId] ?? []);
    const readBack = latest(app.readBacks.filter((r) => r.body.verified));
    const extra = new Set((readBack?.body.state.entitlements ?? []).filter((e) => !planned.has(e)));
    // A joiner that adopted an account removed what the plan does not justify: drift found, and gone.
    if (step.step === 'joiner') {
      for (const operation of app.operations) for (const e of operation.body.revoked ?? []) extra.add(e);
    }
    if (extra.size === 0) return;
    const drift = (this.report.drift[app.appId] ??= { entitlements: 0, steps: 0 });
    drift.entitlements += extra.size;
    drift.steps += 1;
  }

  private addApprovals(step: RecordedStep): void {
    const approvals = this.report.approvals;
    for (const approval of step.approvals) {
      approvals.requested += 1;
      const decision = latest(approval.decisions.filter((d) => !d.body.refused));
      if (decision) approvals[decision.body.approve ? 'approved' : 'denied'] += 1;
      else if (approval.requests.some((r) => r.body.change === 'withdrawn')) approvals.withdrawn += 1;
      else approvals.waiting += 1;
    }
  }
}

/** The figures of the steps among the records. */
export function periodReport(records: Iterable<EvidenceRecordView>, now: Date): PeriodReport {
  const builder = new PeriodReportBuilder(now);
  for (const step of groupSteps(records)) builder.add(step);
  return builder.finish();
}
