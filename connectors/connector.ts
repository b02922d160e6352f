// The one interface every application kind implements. Every operation is idempotent:
// creating what exists adopts it, granting what is granted, revoking what is absent and
// deleting what is gone all succeed.
import type { AccountRef, AppState } from '../domain/app-state';

/** What an application needs to create an account. */
export interface AccountProfile extends AccountRef {
  email: string;
  givenName: string;
  familyName: string;
}

export interface Connector {
  readonly appId: string;
  /** Creates the account, or adopts the existing one with the same userName, and makes it active. */
  ensureAccount(profile: AccountProfile): Promise<{ created: boolean }>;
  /** Adds the account to the entitlement (group). Fails permanently if the group does not exist. */
  grant(ref: AccountRef, entitlement: string): Promise<void>;
  /** Removes the account from the entitlement; absent membership or group is success. */
  revoke(ref: AccountRef, entitlement: string): Promise<void>;
  /** Deactivates or locks the account so it can no longer sign in; a missing account is success. */
  disable(ref: AccountRef): Promise<void>;
  /** Removes the account; a missing account is success. */
  delete(ref: AccountRef): Promise<void>;
  /** Ends open sessions where the application has them; returns how many were ended. */
  terminateSessions(ref: AccountRef): Promise<number>;
  /** Reads the person's account back from the application: the only source of verification. */
  readState(ref: AccountRef): Promise<AppState>;
  /** Releases connections. */
  close(): Promise<void>;
}
