// What one newly written evidence record means to the lifecycle metrics (evidence-metrics.ts): the
// time a joiner or leaver took, an application flagged, drift found, an operator's override. Pure:
// the record alone decides, so every worker counts what it writes and Prometheus adds them up.
// Labels are application ids, steps, reasons and actions only: never an employee id (that would be
// personal data in the monitoring system, and one series per person).
import type { z } from 'zod';
import type { EVIDENCE_BODIES, EvidenceKind, EvidenceStep, ValidEvidence } from '../domain/evidence-record';

/** Reasons an application is flagged that say its state could not be brought to or seen as planned. */
export const VERIFICATION_FAILURES = ['failing', 'stalled', 'unverifiable'] as const;
export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

export type EvidenceObservation =
  | { metric: 'evidenceRecords'; kind: EvidenceKind }
  | { metric: 'timeToProvision' | 'timeToDeprovision'; seconds: number }
  | { metric: 'verificationFailures'; app: string; reason: VerificationFailure }
  | { metric: 'heldByOther' | 'tasksOverdue'; app: string }
  | { metric: 'deadlineMissed' }
  | { metric: 'driftFound'; app: string; step: EvidenceStep; entitlements: number }
  | { metric: 'manualOverrides'; action: 'skip' | 'retry' };

export interface ObservationSettings {
  /** lifecycle.joinerLeadTime: a hire is due this long before its effective time. */
  joinerLeadTimeMs: number;
}

type Body<K extends EvidenceKind> = z.output<(typeof EVIDENCE_BODIES)[K]>;

/** The record's body as its kind's schema gave it back (the store validated it before writing). */
function bodyOf<K extends EvidenceKind>(record: ValidEvidence, kind: K): Body<K> | undefined {
  return record.kind === kind ? (record.body as Body<K>) : undefined;
}

/** The observations one record makes; `[]` for none beyond its count. */
export function observationsOf(record: ValidEvidence, settings: ObservationSettings): EvidenceObservation[] {
  const found: EvidenceObservation[] = [{ metric: 'evidenceRecords', kind: record.kind }];
  // Prometheus takes an empty label value as no label: records without an application show so.
  const app = record.appId ?? '';
  const event = bodyOf(record, 'hr-event');
  if (event) {
    const seconds = stepSeconds(event, settings);
    if (seconds !== undefined && event.step === 'joiner') found.push({ metric: 'timeToProvision', seconds });
    if (seconds !== undefined && event.step === 'leaver')
      found.push({ metric: 'timeToDeprovision', seconds });
  }
  const attention = bodyOf(record, 'attention');
  if (attention) {
    const { reason } = attention;
    if (isVerificationFailure(reason)) found.push({ metric: 'verificationFailures', app, reason });
    if (reason === 'held-by-other') found.push({ metric: 'heldByOther', app });
    if (reason === 'task-overdue') found.push({ metric: 'tasksOverdue', app });
    if (reason === 'deadline-missed') found.push({ metric: 'deadlineMissed' });
  }
  // A joiner holds exactly its plan: what it revoked the account already held beyond the plan (an
  // adopted account's unjustified access). A mover's revocations are its plan, not drift.
  const operation = bodyOf(record, 'app-operation');
  if (operation?.step === 'joiner' && operation.revoked?.length) {
    found.push({ metric: 'driftFound', app, step: 'joiner', entitlements: operation.revoked.length });
  }
  // What a mover's read-back showed beyond its plan (granted outside jml): reported as drift.
  const readBack = bodyOf(record, 'read-back');
  if (readBack?.drift?.length) {
    found.push({ metric: 'driftFound', app, step: readBack.step, entitlements: readBack.drift.length });
  }
  const override = bodyOf(record, 'override');
  if (override) found.push({ metric: 'manualOverrides', action: override.action });
  return found;
}

function isVerificationFailure(reason: string): reason is VerificationFailure {
  return (VERIFICATION_FAILURES as readonly string[]).includes(reason);
}

/**
 * Seconds from when jml was due to act on the event until its step settled, for a step that
 * completed. Due: when the workflow received it, or later when the event takes effect later — a
 * hire `joinerLeadTime` before its effective time, a termination at it (an urgent one at once).
 * Never negative: a step that settled before it was due (clocks apart) took no time.
 */
export function stepSeconds(event: Body<'hr-event'>, settings: ObservationSettings): number | undefined {
  if (event.outcome !== 'completed' || !event.completedAt) return undefined;
  const received = Date.parse(event.receivedAt);
  const lead = event.step === 'joiner' ? settings.joinerLeadTimeMs : 0;
  const effective = event.effectiveAt && !event.urgent ? Date.parse(event.effectiveAt) - lead : received;
  const due = Math.max(received, effective);
  const seconds = (Date.parse(event.completedAt) - due) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, seconds) : undefined;
}
