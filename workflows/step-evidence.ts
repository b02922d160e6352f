// Writes each settled step's evidence to the evidence store (domain/step-evidence.ts builds it), and
// what must not wait for the step's end: an application flagged for a person, a missed deadline.
import { CancellationScope, isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import type { EvidenceInput } from '../domain/evidence-record';
import { evidenceKey } from '../domain/evidence-record';
import type { AppProgress, LeaverAppReport, SkipDecision } from '../domain/lifecycle';
import { employmentOf } from '../domain/lifecycle';
import {
  driftEvidence,
  followUpEvidence,
  retryEvidence,
  skipEvidence,
  stepEvidence,
  type SettledStep,
} from '../domain/step-evidence';
import { evidence } from './activities-proxy';
import type { DriftCorrection } from './drift-correction';
import { OVERDUE } from './manual-tasks';
import type { AttentionStatus } from './progress';
import { summaries } from './summaries';

/** Runs started before evidence was recorded replay as they ran: they write none. */
const STEP_EVIDENCE = 'step-evidence';
/** Whether this run records evidence (and watches leaver deadlines): every run started since. */
export const recordsEvidence = () => patched(STEP_EVIDENCE);
const RETRY_EVIDENCE = 'retry-evidence';

type AttentionReason = AttentionStatus | 'deadline-missed' | 'task-overdue';

export class StepEvidence {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly employment = employmentOf(workflowInfo().firstExecutionRunId);
  /** Writes started during the step; the step's own records wait for them. */
  private pending: Promise<void>[] = [];
  /** Operators' retries so far per step, numbering each retry's records. */
  private readonly retries = new Map<string, number>();

  constructor(private readonly employeeId: string) {}

  /** An application first needs a person in the step of `eventId`: recorded at once, not at the end. */
  flagged(eventId: string, step: SettledStep['step'], app: AppProgress & { status: AttentionStatus }): void {
    if (!step) return;
    const overdueTask = app.status === 'failing' && app.lastProblem?.startsWith(OVERDUE);
    const reason = overdueTask ? 'task-overdue' : app.status;
    this.attention(eventId, step, reason, app.attempts, app.lastProblem ?? app.status, app.appId);
  }

  /** The leaver was not verified everywhere by its deadline. */
  deadlineMissed(eventId: string, deadline: string): void {
    this.attention(eventId, 'leaver', 'deadline-missed', 0, `not verified everywhere by ${deadline}`);
  }

  /** An operator set one of the leaver's applications aside: on record at once, not at the end. */
  skipped(eventId: string, skip: SkipDecision): void {
    if (!recordsEvidence()) return;
    const record = skipEvidence(this.ids(), eventId, this.employeeId, skip);
    this.atOnce(eventId, [record], summaries.override(skip.appId, 'skip'));
  }

  /** An operator asked the step of `eventId` to try these applications again now. */
  retried(
    eventId: string,
    step: NonNullable<SettledStep['step']>,
    appIds: string[],
    by: string,
    via: string,
  ): void {
    // Runs that took a retry before retries were recorded replay as they ran.
    if (!recordsEvidence() || !patched(RETRY_EVIDENCE)) return;
    const n = (this.retries.get(eventId) ?? 0) + 1;
    this.retries.set(eventId, n);
    const records = appIds.map((appId) =>
      retryEvidence(this.ids(), eventId, this.employeeId, {
        appId,
        step,
        by,
        via,
        n,
        at: new Date().toISOString(),
      }),
    );
    this.atOnce(eventId, records, summaries.override(appIds.join(', '), 'retry'));
  }

  /** The follow-up of the leaver of `eventId` verified its skipped applications. */
  async followedUp(eventId: string, apps: LeaverAppReport[]): Promise<void> {
    if (!recordsEvidence()) return;
    await this.write(eventId, followUpEvidence(this.ids(), eventId, this.employeeId, apps));
  }

  /** A reconciliation's drift finding was put right in one application and verified. */
  async corrected(findingId: string, change: DriftCorrection): Promise<void> {
    if (!recordsEvidence()) return;
    await this.write(findingId, driftEvidence(this.ids(), findingId, this.employeeId, change));
  }

  private ids() {
    return { workflowId: this.workflowId, employment: this.employment };
  }

  async settled(step: SettledStep): Promise<void> {
    if (!recordsEvidence()) return;
    const pending = this.pending.splice(0);
    await Promise.all(pending);
    await this.write(step.event.eventId, stepEvidence(step));
  }

  private attention(
    eventId: string,
    step: NonNullable<SettledStep['step']>,
    reason: AttentionReason,
    attempts: number,
    problem: string,
    appId?: string,
  ): void {
    if (!recordsEvidence()) return;
    const record: EvidenceInput = {
      key: evidenceKey({
        ...this.ids(),
        step: `${eventId}:attention-${reason}`,
        appId,
        kind: 'attention',
      }),
      employeeId: this.employeeId,
      appId: appId ?? null,
      occurredAt: new Date().toISOString(),
      kind: 'attention',
      body: { step, reason, attempts, problem: problem.slice(0, 2000) },
    };
    this.atOnce(eventId, [record], summaries.attention(appId ?? 'the leaver', reason));
  }

  /**
   * Writes now, not at the step's end, even if the step is cancelled meanwhile (a termination): what
   * happened, happened. The step's own records wait for it.
   */
  private atOnce(eventId: string, records: EvidenceInput[], summary: string): void {
    this.pending.push(CancellationScope.nonCancellable(() => this.write(eventId, records, summary)));
  }

  private async write(eventId: string, records: EvidenceInput[], summary?: string): Promise<void> {
    try {
      await evidence.recordEvidenceBatch.executeWithOptions(
        { summary: summary ?? summaries.evidence(eventId, records.length) },
        [records],
      );
    } catch (error) {
      if (isCancellation(error)) throw error;
      // Only a record the store refuses (a fault in jml, not the store being away) ends up here.
      log.error('evidence refused by the store', { eventId, error: String(error) });
    }
  }
}
