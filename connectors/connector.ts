// The one interface every application kind implements. Every operation is idempotent: creating what
// exists adopts it (only when it is provably the person's), granting what is granted, revoking what is
// absent and deleting what is gone all succeed. An account that is not provably the person's (the id
// jml recorded, or the owner attribute the application keeps) is never changed.
import type { AccountRef, AppState, ReadOptions } from '../domain/app-state';
import type { RequestLimiter } from './request-limiter';

/** What an application needs to create an account. */
export interface AccountProfile extends AccountRef {
  email: string;
  givenName: string;
  familyName: string;
}

/** One account as an application's listing shows it, for reconciliation against HR and jml's records. */
export interface ListedAccount {
  /** The application's own id for the account (SCIM id, LDAP DN, Keycloak user id, role name). */
  accountId: string;
  userName: string;
  /**
   * The employee id the application keeps for the account (SCIM `externalId`, LDAP `employeeNumber`
   * or `employeeID`, a Keycloak attribute), when it keeps one: what ties the account to a person.
   */
  ownerId?: string;
  /** False when the account is disabled, deactivated or locked. */
  active: boolean;
  /**
   * Entitlements the account holds, sorted, named as grant and revoke name them: SCIM every Group's
   * displayName; OpenLDAP the cn of every groupOfNames under groupsDn; Active Directory the CN of
   * every group directly under groupsDn (memberOf); Keycloak every group path, `role:<name>` for
   * realm roles (but the realm's default role) and `client:<clientId>:<role>` for client roles mapped
   * to the user; PostgreSQL every role granted to the account.
   */
  entitlements: string[];
}

/** One page of an application's accounts. */
export interface AccountPage {
  accounts: ListedAccount[];
  /** Where the next page starts; absent on the last page. Opaque to the caller. */
  next?: string;
  /**
   * Why this page cannot be trusted to show every account or every membership (a page that stopped
   * short, memberships not visible): a listing with such a page is never reported as clean.
   */
  unverifiable?: string;
}

export interface ListOptions {
  /** `next` of the previous page; absent for the first page. */
  cursor?: string;
  /** Accounts per page the caller wants at most. */
  pageSize: number;
}

export interface Connector {
  readonly appId: string;
  /** The application's request limits and waits asked for (connectors/request-limiter.ts). */
  readonly limiter?: RequestLimiter;
  /**
   * Creates the account, or adopts the existing one that is provably this person's, and makes it
   * active; refuses (permanently) an account that belongs to someone else or to nobody known.
   * Returns the application's own id for it.
   */
  ensureAccount(profile: AccountProfile): Promise<{ created: boolean; accountId: string }>;
  /** Adds the person's account to the entitlement (group). Fails permanently if the group does not exist. */
  grant(ref: AccountRef, entitlement: string): Promise<void>;
  /** Removes the person's account from the entitlement; absent membership, group or account is success. */
  revoke(ref: AccountRef, entitlement: string): Promise<void>;
  /** Deactivates or locks the person's account so it can no longer sign in; a missing account is success. */
  disable(ref: AccountRef): Promise<void>;
  /** Removes the person's account; a missing account is success. */
  delete(ref: AccountRef): Promise<void>;
  /**
   * Optional: disables the person's account and reads what it holds in the same round trip (from the
   * application's answer to the change, or a read beside a change the application guards itself), as
   * `readState` reports it but with `active` true (it was, or may have been, active). An account that
   * is not provably the person's is reported as `readState` would. A leaver uses it instead of
   * `readState` followed by `disable`.
   */
  disableAndRead?(ref: AccountRef, options?: ReadOptions): Promise<AppState>;
  /**
   * Optional: removes the account together with those of its memberships (`held`, as the caller has
   * just read them) that the application would keep once the account is gone. Without it, a leaver
   * revokes each membership before `delete`.
   */
  deleteAccount?(ref: AccountRef, held: string[]): Promise<void>;
  /** Ends open sessions where the application has them; returns how many were ended. */
  terminateSessions(ref: AccountRef): Promise<number>;
  /**
   * Reads the person's account back from the application: the only source of verification. What it
   * could not see is reported as `unverifiable`, never as absent.
   */
  readState(ref: AccountRef, options?: ReadOptions): Promise<AppState>;
  /**
   * Lists every account the application has, one page at a time, for reconciliation: accounts that
   * look foreign or belong to no one are listed too (without `ownerId`), and what could not be seen
   * is the page's `unverifiable`, never an account or a membership left out. Any worker may be asked
   * for the page after a cursor another one handed out. (Applications without an API have no
   * Connector: their task channel lists nothing.)
   */
  listAccounts(options: ListOptions): Promise<AccountPage>;
  /** Releases connections. */
  close(): Promise<void>;
}
