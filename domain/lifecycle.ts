// Lifecycle vocabulary shared by the workflow and its clients: stages, per-app progress, reports.
import type { AppState } from './app-state';
import type { HrEventType } from './hr-event';
import type { AccessPlan } from './policy';

export const LIFECYCLE_STAGES = ['pending', 'joining', 'active', 'moving', 'leaving', 'left'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** One workflow per person; the id carries the employee id only, never PII. */
export function identityWorkflowId(employeeId: string): string {
  return `identity-${employeeId}`;
}

export type AppStepStatus = 'working' | 'verified' | 'failing';

/** Where one application stands in the current joiner, mover or leaver step. */
export interface AppProgress {
  appId: string;
  status: AppStepStatus;
  attempts: number;
  /** Last error or verification gap, for operators. */
  lastProblem?: string;
  verifiedAt?: string;
}

/** Evidence that one application no longer gives the leaver any access. */
export interface LeaverAppReport {
  appId: string;
  deprovision: 'disable' | 'delete';
  revoked: string[];
  disabled: boolean;
  deleted: boolean;
  sessionsEnded: number;
  attempts: number;
  /** What the application answered when read back after deprovisioning. */
  verifiedState: AppState;
  verifiedAt: string;
}

export interface LeaverReport {
  eventId: string;
  startedAt: string;
  completedAt: string;
  policyVersion: string;
  applications: LeaverAppReport[];
}

/** Evidence that one application holds what the plan says. */
export interface JoinerAppReport {
  appId: string;
  created: boolean;
  granted: string[];
  attempts: number;
  verifiedState: AppState;
  verifiedAt: string;
}

export interface JoinerReport {
  eventId: string;
  startedAt: string;
  completedAt: string;
  plan: AccessPlan;
  applications: JoinerAppReport[];
}

export interface ProcessedEvent {
  eventId: string;
  type: HrEventType;
  source: string;
  outcome: 'completed' | 'cancelled' | 'superseded' | 'duplicate';
  at: string;
}

export interface IdentityStatus {
  employeeId: string;
  stage: LifecycleStage;
  /** In words: what the workflow is doing or waiting for. */
  waitingFor: string;
  needsAttention: boolean;
  current?: { eventId: string; type: HrEventType; effectiveAt?: string };
  queued: { eventId: string; type: HrEventType; effectiveAt?: string }[];
  plan?: AccessPlan;
  apps: AppProgress[];
  lastJoiner?: JoinerReport;
  lastLeaver?: LeaverReport;
  history: ProcessedEvent[];
}

/** What the workflow returns when the person has left and every application is verified clean. */
export interface IdentityResult {
  employeeId: string;
  stage: 'left';
  leaver: LeaverReport;
  processedEventIds: string[];
}
