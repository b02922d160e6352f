// What an application says about one person, and the rules that decide whether that is what we want.
import type { DeprovisionMode } from './config';

/** The person as one application sees them, read back from the application itself. */
export interface AppState {
  exists: boolean;
  /** False when the account is disabled, deactivated or locked. */
  active: boolean;
  /** Entitlements (group names) the account holds, sorted. */
  entitlements: string[];
  /** Open sessions, or null where the application has no notion of sessions. */
  openSessions: number | null;
}

/** The identity an application account is found by. Never contains secrets. */
export interface AccountRef {
  employeeId: string;
  userName: string;
}

/** Why a provisioned state does not (yet) match the plan; empty when it does. */
export function provisionGaps(state: AppState, desired: string[]): string[] {
  if (!state.exists) return ['account does not exist'];
  const gaps: string[] = [];
  if (!state.active) gaps.push('account is not active');
  const missing = desired.filter((e) => !state.entitlements.includes(e));
  if (missing.length) gaps.push(`missing entitlements: ${missing.join(', ')}`);
  return gaps;
}

/** Why a deprovisioned state is not yet clean; empty when every access is verifiably gone. */
export function deprovisionGaps(state: AppState, mode: DeprovisionMode): string[] {
  if (!state.exists) return [];
  const gaps: string[] = [];
  if (mode === 'delete') gaps.push('account still exists');
  if (state.active) gaps.push('account is still active');
  if (state.entitlements.length) gaps.push(`entitlements remain: ${state.entitlements.join(', ')}`);
  if (state.openSessions) gaps.push(`${state.openSessions} sessions still open`);
  return gaps;
}
