// SCIM 2.0 connector (RFC 7643/7644). The account is addressed by the id jml recorded when it created
// or adopted it (SCIM ids are never reassigned, RFC 7643 §3.1); only without one, or when the server
// says it is gone (404), is it looked up by userName and weighed by its owner attribute. Entitlements
// are Group memberships, read the way the server can answer (scim-memberships.ts) and changed one
// member at a time (scim-member-changes.ts). An account that is not provably the person's is never
// changed.
import { requestLimiterOf, type RequestLimiter } from '../request-limiter';
import type { AccountRef, AppState, ReadOptions } from '../../domain/app-state';
import { unverifiableState } from '../../domain/app-state';
import type { ScimApplicationConfig } from '../../domain/config';
import { settleEach } from '../concurrency';
import type { AccountPage, AccountProfile, Connector, ListOptions } from '../connector';
import { stateOfNotOwn, type Ownership as OwnershipOf } from '../ownership';
import { PermanentConnectorError, UnverifiableError } from '../errors';
import { ScimAccountListing } from './scim-account-listing';
import { discoverCapabilities, type ScimCapabilities } from './scim-capabilities';
import { GroupDirectory, quote } from './scim-groups';
import { ScimHttp, ScimRequestError } from './scim-http';
import { ScimListing, type ScimResource } from './scim-listing';
import { isFormRefusal, MemberChanges } from './scim-member-changes';
import { MembershipReader, type Member, type MemberRef } from './scim-memberships';
import { OwnerAttribute } from './scim-owner';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Membership changes under way at once for one account. */
const MEMBERSHIP_CONCURRENCY = 8;

interface ScimUser extends ScimResource {
  userName: string;
  active?: boolean;
  groups?: MemberRef[];
  meta?: { version?: string };
}

/** Whose an account is, as far as the application lets jml show it. */
type Ownership = OwnershipOf<{ user: ScimUser }>;

export class ScimConnector implements Connector {
  readonly appId: string;
  private readonly http: ScimHttp;
  private readonly listing: ScimListing;
  private readonly groups: GroupDirectory;
  private readonly memberships: MembershipReader;
  private readonly changes: MemberChanges;
  private readonly owner: OwnerAttribute;
  private readonly accounts: ScimAccountListing;
  /** What a changed User is asked to be answered with: what a reading of it needs. */
  private readonly answerQuery: string;
  private capabilities: Promise<ScimCapabilities> | undefined;
  private known: ScimCapabilities | undefined;
  /**
   * Whether the server still lists a deleted account in its groups (learned from the first deletion
   * of an account with groups): then memberships are removed before an account is deleted.
   */
  private deletionKeepsMembers: boolean | undefined;

  readonly limiter: RequestLimiter;

  constructor(private readonly config: ScimApplicationConfig) {
    this.appId = config.id;
    this.limiter = requestLimiterOf(config);
    this.http = new ScimHttp(config.id, config.baseUrl, config.token, config.requestTimeout, this.limiter);
    const filters = () => config.filters ?? this.known?.filter ?? true;
    this.listing = new ScimListing(config.id, this.http, filters);
    this.groups = new GroupDirectory(this.http, this.listing);
    this.memberships = new MembershipReader(
      this.http,
      this.listing,
      this.groups,
      config.memberships,
      filters,
      () => this.known?.userGroups ?? true,
    );
    this.changes = new MemberChanges(config.id, this.http, this.groups);
    this.owner = new OwnerAttribute(config.ownerAttribute ?? 'externalId');
    this.accounts = new ScimAccountListing(
      config.id,
      this.http,
      this.listing,
      this.groups,
      this.memberships,
      this.owner,
    );
    const attributes = ['userName', 'active', 'groups', this.owner.name].join(',');
    this.answerQuery = `?${new URLSearchParams({ attributes }).toString()}`;
  }

  async ensureAccount(profile: AccountProfile): Promise<{ created: boolean; accountId: string }> {
    const found = await this.ownership(profile);
    if (found.kind === 'own') {
      // Found by the id jml recorded under another userName: the person was renamed, and so is the account.
      if (found.user.userName.toLowerCase() !== profile.userName.toLowerCase())
        await this.rename(found.user, profile);
      return { created: false, accountId: await this.adopt(found.user) };
    }
    if (found.kind !== 'none') throw this.notTheirs(profile, found);
    const created = await this.http.request('POST', '/Users', {
      accept: [409],
      body: this.newUser(profile),
    });
    if (created.status !== 409) {
      const id = (created.body as { id?: unknown } | undefined)?.id;
      if (typeof id !== 'string')
        throw new PermanentConnectorError(`${this.appId}: create answered without an id`);
      return { created: true, accountId: id };
    }
    // 409 uniqueness: a previous attempt (or someone else) created it; adopt it only if it is this person's.
    const raced = await this.ownership(profile);
    if (raced.kind === 'own') return { created: false, accountId: await this.adopt(raced.user) };
    if (raced.kind === 'none') {
      throw new PermanentConnectorError(
        `${this.appId}: 409 on create but no user "${profile.userName}" found`,
      );
    }
    throw this.notTheirs(profile, raced);
  }

  async grant(ref: AccountRef, entitlement: string): Promise<void> {
    const member = await this.member(ref);
    if (!member) {
      throw new PermanentConnectorError(
        `${this.appId}: no account of ${ref.employeeId} to grant "${entitlement}" to`,
      );
    }
    await this.changes.add(entitlement, this.memberships.valueOf(member));
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    const member = await this.member(ref);
    if (member) await this.removeMember(entitlement, member, ref);
  }

  async disable(ref: AccountRef): Promise<void> {
    await this.learnCapabilities();
    if (ref.accountId) {
      const { status } = await this.setInactive(ref.accountId, '');
      if (status !== 404) return;
    }
    // Without a recorded id, or gone since it was recorded: looked up, in case it was re-created.
    const user = await this.ownAccount({ ...ref, accountId: undefined });
    if (user && user.active !== false) await this.setInactive(user.id, '');
  }

  /**
   * Disables the account addressed by the recorded id and reads what it holds from the server's
   * answer to that change (the User, with its `groups` where the server keeps them): one request
   * where a read and a change were two. The answer is checked like a read: an account that now
   * carries someone else's owner attribute is reported as theirs and nothing more is done to it.
   * Without a recorded id, or when the server says it is gone, the account is looked up and read
   * first, and changed only once it is shown to be the person's.
   */
  async disableAndRead(ref: AccountRef, options: ReadOptions = {}): Promise<AppState> {
    try {
      await this.learnCapabilities();
      let user: ScimUser | undefined;
      const early = ref.accountId ? this.memberships.prefetch(ref.accountId) : undefined;
      if (ref.accountId) {
        const answer = await this.setInactive(ref.accountId, this.answerQuery);
        if (answer.status !== 404) user = asUser(answer.body) ?? (await this.userById(ref.accountId));
        const owner = user && this.owner.of(user);
        if (owner && owner !== ref.employeeId) return stateOfNotOwn({ kind: 'other', owner }, null, () => '');
      }
      if (!user) {
        const found = await this.ownership({ ...ref, accountId: undefined });
        if (found.kind !== 'own') return stateOfNotOwn(found, null, () => this.unownedProblem(ref));
        user = found.user;
        if (user.active !== false) await this.setInactive(user.id, '');
      }
      const entitlements = await this.memberships.read(
        user,
        options.known ?? [],
        options.everything ?? false,
        early,
      );
      // The answer shows the account after the change: it is taken to have been active, so that a
      // report says it was disabled.
      return { exists: true, active: true, entitlements, openSessions: null, accountId: user.id };
    } catch (error) {
      if (error instanceof UnverifiableError) return unverifiableState(error.message);
      throw error;
    }
  }

  async delete(ref: AccountRef): Promise<void> {
    const user = await this.ownAccount(ref);
    if (!user) return;
    await this.deleteAccount({ ...ref, accountId: user.id }, await this.memberships.read(user, [], true));
  }

  /**
   * Deletes the account by its recorded id. Its memberships (`held`, as just read) go first where
   * the server would keep listing a deleted account in its groups, or names members by userName (a
   * later account with that name would inherit them); whether it keeps them is learned from the
   * first deletion, checked on one of the groups, and cleaned up then.
   */
  async deleteAccount(ref: AccountRef, held: string[]): Promise<void> {
    await this.learnCapabilities();
    const member = await this.member(ref);
    if (!member) return;
    const first = this.memberships.memberValue === 'userName' || this.deletionKeepsMembers === true;
    if (first) await this.removeAll(held, member, ref);
    await this.http.request('DELETE', `/Users/${encodeURIComponent(member.id)}`, { accept: [404] });
    const [probe] = held;
    if (first || probe === undefined || this.deletionKeepsMembers === false) return;
    this.deletionKeepsMembers = await this.memberships.groupLists(probe, member);
    if (this.deletionKeepsMembers) await this.removeAll(held, member, ref);
  }

  terminateSessions(): Promise<number> {
    // SCIM has no session resource; applications with sessions get a connector kind of their own.
    return Promise.resolve(0);
  }

  /**
   * Reads the account back. With a recorded id that is the account read, and a 404 means it is gone;
   * without one it is looked up by userName and weighed by its owner attribute.
   */
  async readState(ref: AccountRef, options: ReadOptions = {}): Promise<AppState> {
    try {
      await this.learnCapabilities();
      let found: Ownership;
      const early = ref.accountId && !options.deleted ? this.memberships.prefetch(ref.accountId) : undefined;
      if (ref.accountId) {
        const user = await this.userById(ref.accountId);
        found = user ? this.ownershipOf(user, ref) : { kind: 'none' };
      } else {
        found = await this.ownership(ref);
      }
      if (found.kind !== 'own') return stateOfNotOwn(found, null, () => this.unownedProblem(ref));
      const { user } = found;
      const entitlements = await this.memberships.read(
        user,
        options.known ?? [],
        options.everything ?? false,
        early,
      );
      return {
        exists: true,
        active: user.active !== false,
        entitlements,
        openSessions: null,
        accountId: user.id,
      };
    } catch (error) {
      if (error instanceof UnverifiableError) return unverifiableState(error.message);
      throw error;
    }
  }

  /** Every account, a page at a time, with its owner, `active` and groups (scim-account-listing.ts). */
  async listAccounts(options: ListOptions): Promise<AccountPage> {
    await this.learnCapabilities();
    return this.accounts.page(options);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * Whose the account is: the id jml recorded is the person's (jml made or adopted it) unless its
   * owner attribute now names someone else; otherwise, and when the recorded id is gone, the
   * accounts with this userName are weighed by their owner attribute.
   */
  private async ownership(ref: AccountRef): Promise<Ownership> {
    await this.learnCapabilities();
    if (ref.accountId) {
      const user = await this.userById(ref.accountId);
      if (user) return this.ownershipOf(user, ref);
    }
    const named = await this.listing.find<ScimUser>(
      'Users',
      `userName eq ${quote(ref.userName)}`,
      (u) => typeof u.userName === 'string' && u.userName.toLowerCase() === ref.userName.toLowerCase(),
    );
    const own = named.filter((u) => this.owner.of(u) === ref.employeeId);
    if (own.length > 1) {
      throw new UnverifiableError(
        `${this.appId}: ${own.length} accounts named "${ref.userName}" carry ${ref.employeeId} (${own.map((u) => u.id).join(', ')}): a person must remove the duplicates`,
      );
    }
    if (own[0]) return { kind: 'own', user: own[0] };
    if (named.length === 0) return { kind: 'none' };
    if (named.some((u) => !this.owner.of(u))) return { kind: 'unowned' };
    return { kind: 'other', owner: [...new Set(named.map((u) => this.owner.of(u)))].join(', ') };
  }

  /** The account at the recorded id: the person's, unless its owner attribute names someone else. */
  private ownershipOf(user: ScimUser, ref: AccountRef): Ownership {
    const owner = this.owner.of(user);
    return owner && owner !== ref.employeeId ? { kind: 'other', owner } : { kind: 'own', user };
  }

  /** The person's own account, or undefined when there is none (or only someone else's). */
  private async ownAccount(ref: AccountRef): Promise<ScimUser | undefined> {
    const found = await this.ownership(ref);
    if (found.kind === 'own') return found.user;
    if (found.kind === 'unowned') throw new UnverifiableError(this.unownedProblem(ref));
    return undefined;
  }

  /**
   * The account as a group member, addressed by the recorded id without reading it; read (or looked
   * up) only without one, or where the server names members by the account's own userName.
   */
  private async member(ref: AccountRef): Promise<Member | undefined> {
    await this.learnCapabilities();
    if (ref.accountId && this.memberships.memberValue === 'id') {
      return { id: ref.accountId, userName: ref.userName };
    }
    return this.ownAccount(ref);
  }

  private async userById(id: string): Promise<ScimUser | undefined> {
    const { status, body } = await this.http.request('GET', `/Users/${encodeURIComponent(id)}`, {
      accept: [404],
    });
    return status === 404 ? undefined : (body as ScimUser);
  }

  /** `PATCH active=false`; `query` asks for the User in the answer (a server may answer 204 without it). */
  private setInactive(id: string, query: string) {
    return this.http.request('PATCH', `/Users/${encodeURIComponent(id)}${query}`, {
      accept: [404],
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
  }

  private removeAll(entitlements: string[], member: Member, ref: AccountRef): Promise<void> {
    return settleEach(entitlements, MEMBERSHIP_CONCURRENCY, (e) => this.removeMember(e, member, ref));
  }

  /**
   * Removes one membership. A server may refuse (400) to remove a member it no longer knows (an
   * account deleted since its id was recorded): that account is checked, and if it is gone there is
   * nothing left to remove.
   */
  private async removeMember(entitlement: string, member: Member, ref: AccountRef): Promise<void> {
    try {
      await this.changes.remove(entitlement, this.memberships.valueOf(member));
    } catch (error) {
      const refused = error instanceof ScimRequestError && error.status === 400 && !isFormRefusal(error);
      if (!refused || !ref.accountId || (await this.userById(member.id))) throw error;
    }
  }

  private async rename(user: ScimUser, profile: AccountProfile): Promise<void> {
    const { status } = await this.http.request('PATCH', `/Users/${encodeURIComponent(user.id)}`, {
      accept: [409],
      body: {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'userName', value: profile.userName }],
      },
    });
    if (status === 409) {
      throw new PermanentConnectorError(
        `${this.appId}: cannot rename ${profile.employeeId}'s account to "${profile.userName}": another account has that userName`,
      );
    }
  }

  /** Re-activates an adopted account; an ETag, where the server keeps them, guards this replace. */
  private async adopt(user: ScimUser): Promise<string> {
    if (user.active === false) {
      await this.http.request('PATCH', `/Users/${encodeURIComponent(user.id)}`, {
        ifMatch: this.known?.etag ? user.meta?.version : undefined,
        body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: true }] },
      });
    }
    return user.id;
  }

  private newUser(profile: AccountProfile): Record<string, unknown> {
    const user = {
      schemas: [USER_SCHEMA],
      userName: profile.userName,
      name: {
        givenName: profile.givenName,
        familyName: profile.familyName,
        formatted: `${profile.givenName} ${profile.familyName}`,
      },
      displayName: `${profile.givenName} ${profile.familyName}`,
      emails: [{ value: profile.email, type: 'work', primary: true }],
      active: true,
    };
    // A server that makes externalId read-only may refuse a create that sets it; the id jml records
    // is then what ties the account to the person.
    if (this.owner.name === 'externalId' && this.known?.externalIdReadOnly) return user;
    return this.owner.write(user, profile.employeeId);
  }

  private notTheirs(ref: AccountRef, found: Ownership): PermanentConnectorError {
    if (found.kind === 'unowned') return new PermanentConnectorError(this.unownedProblem(ref));
    const owner = found.kind === 'other' ? found.owner : 'someone else';
    return new PermanentConnectorError(
      `${this.appId}: account "${ref.userName}" belongs to another employee (${this.owner.name} ${owner}); not adopting it`,
    );
  }

  private unownedProblem(ref: AccountRef): string {
    return `${this.appId}: an account named "${ref.userName}" exists without ${this.owner.name}, so jml cannot show it is ${ref.employeeId}'s and does not touch it; set its ${this.owner.name} to ${ref.employeeId} in the application if it is theirs, or rename or remove it`;
  }

  private async learnCapabilities(): Promise<void> {
    this.capabilities ??= discoverCapabilities(this.http).then(
      (found) => (this.known = found),
      (error: unknown) => {
        this.capabilities = undefined;
        throw error;
      },
    );
    await this.capabilities;
  }
}

/** The User in a change's answer, or undefined where the server answered without it (204). */
function asUser(body: unknown): ScimUser | undefined {
  const user = body as Partial<ScimUser> | undefined;
  return user && typeof user === 'object' && typeof user.id === 'string' ? (user as ScimUser) : undefined;
}
