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
  /** The application's own id for the person's account (SCIM id, LDAP DN), once it is shown to be theirs. */
  accountId?: string;
  /**
   * The account with the person's userName belongs to someone else (named by their employee id, or
   * `another account`): it was not touched, and the person holds nothing through it.
   */
  heldBy?: string;
  /** Why this read-back cannot be trusted (memberships not visible, account not identifiable). */
  unverifiable?: string;
}

/** The identity an application account is found by. Never contains secrets. */
export interface AccountRef {
  employeeId: string;
  userName: string;
  /** The application's own id for the account, as jml recorded it when it created or found it. */
  accountId?: string;
}

/** What to ask a read-back for. */
export interface ReadOptions {
  /** Entitlements jml's record says the account may hold: confirmed directly where needed. */
  known?: string[];
  /** Every entitlement must be seen, not only the known ones (a leaver's read-back). */
  everything?: boolean;
  /**
   * The account was just deleted: memberships are read only if it is still there, never ahead of
   * the reading that shows whether it is.
   */
  deleted?: boolean;
}

/** A state that says nothing can be trusted, with why. */
export function unverifiableState(why: string): AppState {
  return { exists: true, active: true, entitlements: [], openSessions: null, unverifiable: why };
}

/** Why a provisioned state does not (yet) match the plan; empty when it does. */
export function provisionGaps(state: AppState, desired: string[]): string[] {
  if (state.unverifiable) return [`unverifiable: ${state.unverifiable}`];
  if (state.heldBy) return [`the account with this userName belongs to ${state.heldBy}`];
  if (!state.exists) return ['account does not exist'];
  const gaps: string[] = [];
  if (!state.active) gaps.push('account is not active');
  const missing = desired.filter((e) => !state.entitlements.includes(e));
  if (missing.length) gaps.push(`missing entitlements: ${missing.join(', ')}`);
  return gaps;
}

/**
 * Why a deprovisioned state is not yet clean; empty when every access is verifiably gone. An account
 * held by someone else gives the person nothing: it is clean for them, and reported as not touched.
 */
export function deprovisionGaps(state: AppState, mode: DeprovisionMode): string[] {
  if (state.unverifiable) return [`unverifiable: ${state.unverifiable}`];
  if (!state.exists) return [];
  const gaps: string[] = [];
  if (mode === 'delete') gaps.push('account still exists');
  if (state.active) gaps.push('account is still active');
  if (state.entitlements.length) gaps.push(`entitlements remain: ${state.entitlements.join(', ')}`);
  if (state.openSessions) gaps.push(`${state.openSessions} sessions still open`);
  return gaps;
}
