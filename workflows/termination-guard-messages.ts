// The mass-termination guard workflow's public messages, defined once for the workflow and its clients.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { HrEvent } from '../domain/hr-event';
import type {
  AdmittedTermination,
  GuardDecision,
  HeldTermination,
  TerminationGuardSettings,
  WorkforceCount,
} from '../domain/termination-guard';
import type { IdentitySettings } from './messages';

/** One termination at the intake, with the configuration the intake runs with (the latest wins). */
export interface AdmitRequest {
  event: HrEvent;
  settings: TerminationGuardSettings;
  /** What released terminations are delivered with (api/intake.ts). */
  identitySettings: IdentitySettings;
}

export interface AdmitAnswer {
  outcome: 'admitted' | 'held';
  /** In words, why (domain/termination-guard.ts Admission). */
  why: string;
  /** The hold's id, when held. */
  holdId?: string;
  limit: number;
  admittedInWindow: number;
  held: number;
}

/** Admit or hold one termination; answered at once (the evidence and the alert follow in the workflow). */
export const admitTerminationUpdate = defineUpdate<AdmitAnswer, [AdmitRequest]>('admitTermination');

/** Terminations that reached one intake while its last update was under way, in their order. */
export interface AdmitBatchRequest extends Omit<AdmitRequest, 'event'> {
  events: HrEvent[];
}

/**
 * The same for several at once, one answer per event in order: an intake keeps one update in flight
 * and sends what arrived meanwhile together, so a burst of terminations is not a burst of updates
 * (Temporal takes a few updates in flight per workflow).
 */
export const admitTerminationsUpdate = defineUpdate<AdmitAnswer[], [AdmitBatchRequest]>('admitTerminations');

/** A decision on held terminations, sent from the Temporal UI; a refused one is recorded and ignored. */
export const guardDecisionSignal = defineSignal<[GuardDecision]>('guardDecision');

/** A decision from the HTTP API or CLI, with the configuration they run with (for its approvers). */
export interface DecideHeldRequest extends GuardDecision {
  settings?: TerminationGuardSettings;
}

/** A decision carried out: who, how authenticated, when, and whose terminations it released or dropped. */
export interface GuardDecisionRecord {
  approve: boolean;
  approver: string;
  via: string;
  decidedAt: string;
  reason?: string;
  employeeIds: string[];
}

/** The same decision as an update: one that may not be carried out is rejected at once with the reason. */
export const decideHeldUpdate = defineUpdate<GuardDecisionRecord & { held: number }, [DecideHeldRequest]>(
  'decideHeld',
);

/** What a held termination shows outside the workflow: ids and times, never the event's personal data. */
export type HeldSummary = Pick<HeldTermination, 'holdId' | 'employeeId' | 'eventId' | 'heldAt'> & {
  effectiveAt?: string;
};

export interface GuardStatus {
  workflowId: string;
  settings: TerminationGuardSettings;
  /** The limit now (the hourly one, or the share of the workforce when lower). */
  limit: number;
  workforce?: WorkforceCount;
  /** Terminations admitted in the sliding hour, and when the oldest of them leaves it. */
  admittedInWindow: number;
  windowFreesAt?: string;
  held: HeldSummary[];
  /** Released terminations not yet handed to the people's workflows. */
  releasing: number;
  /** The latest decisions carried out, newest last. */
  decisions: GuardDecisionRecord[];
  /** The latest decisions refused (signals; an update is rejected at once), newest last. */
  rejectedDecisions: { approver: string; at: string; why: string }[];
}

export const guardStatusQuery = defineQuery<GuardStatus>('guardStatus');

/** What a run hands its continuation (continue-as-new keeps the history small). */
export interface GuardCarry {
  window: AdmittedTermination[];
  held: HeldTermination[];
  nextHold: number;
  workforce?: WorkforceCount;
  decisions: GuardDecisionRecord[];
  rejectedDecisions: GuardStatus['rejectedDecisions'];
}

export interface TerminationGuardInput {
  settings: TerminationGuardSettings;
  identitySettings: IdentitySettings;
  carried?: GuardCarry;
}
