// SCIM 2.0 connector (RFC 7643/7644): Users by the id jml recorded (else by userName, checked to be
// the person's by their owner attribute), entitlements as Group memberships read the way the server
// can answer (scim-memberships.ts). An account that is not provably the person's is never changed.
import type { AccountRef, AppState, ReadOptions } from '../../domain/app-state';
import { unverifiableState } from '../../domain/app-state';
import type { ScimApplicationConfig } from '../../domain/config';
import type { AccountProfile, Connector } from '../connector';
import { stateOfNotOwn, type Ownership as OwnershipOf } from '../ownership';
import { PermanentConnectorError, UnverifiableError } from '../errors';
import { discoverCapabilities, type ScimCapabilities } from './scim-capabilities';
import { GroupDirectory, quote } from './scim-groups';
import { ScimHttp, ScimRequestError } from './scim-http';
import { ScimListing, type ScimResource } from './scim-listing';
import { MembershipReader, type MemberRef } from './scim-memberships';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface ScimUser extends ScimResource {
  userName: string;
  active?: boolean;
  groups?: MemberRef[];
  meta?: { version?: string };
}

/** Whose an account is, as far as the application lets jml show it. */
type Ownership = OwnershipOf<{ user: ScimUser }>;

/** scimTypes that say the request's form is not understood, so another form may work. */
const FORM_REFUSED = new Set(['invalidPath', 'invalidFilter', 'invalidSyntax', 'invalidValue']);

export class ScimConnector implements Connector {
  readonly appId: string;
  private readonly http: ScimHttp;
  private readonly listing: ScimListing;
  private readonly groups: GroupDirectory;
  private readonly memberships: MembershipReader;
  private readonly owner: OwnerAttribute;
  private capabilities: Promise<ScimCapabilities> | undefined;
  private known: ScimCapabilities | undefined;
  /** Falls back to the plain `members` remove (as Microsoft Entra sends it) once the filtered path is refused. */
  private removeByValueList = false;

  constructor(private readonly config: ScimApplicationConfig) {
    this.appId = config.id;
    this.http = new ScimHttp(config.id, config.baseUrl, config.token, config.requestTimeout);
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
    this.owner = new OwnerAttribute(config.ownerAttribute ?? 'externalId');
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
    const user = await this.ownAccount(ref);
    if (!user) {
      throw new PermanentConnectorError(
        `${this.appId}: no account of ${ref.employeeId} to grant "${entitlement}" to`,
      );
    }
    await this.patchMembership(
      entitlement,
      { op: 'add', path: 'members', value: [{ value: user.id }] },
      true,
    );
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    const user = await this.ownAccount(ref);
    if (user) await this.removeMember(entitlement, user);
  }

  async disable(ref: AccountRef): Promise<void> {
    const user = await this.ownAccount(ref);
    if (!user || user.active === false) return;
    const { status } = await this.http.request('PATCH', `/Users/${encodeURIComponent(user.id)}`, {
      accept: [404],
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
    // Addressed by the recorded id and gone since: look it up again, in case it was re-created.
    if (status === 404 && ref.accountId) await this.disable({ ...ref, accountId: undefined });
  }

  async delete(ref: AccountRef): Promise<void> {
    const found = await this.ownership(ref);
    if (found.kind !== 'own') return;
    // Not every server keeps referential integrity, so memberships go first: no dangling grants.
    for (const name of await this.memberships.read(found.user, [], true)) {
      await this.removeMember(name, found.user);
    }
    await this.http.request('DELETE', `/Users/${encodeURIComponent(found.user.id)}`, { accept: [404] });
  }

  terminateSessions(): Promise<number> {
    // SCIM has no session resource; applications with sessions get a connector kind of their own.
    return Promise.resolve(0);
  }

  async readState(ref: AccountRef, options: ReadOptions = {}): Promise<AppState> {
    try {
      const found = await this.ownership(ref);
      if (found.kind !== 'own') return stateOfNotOwn(found, null, () => this.unownedProblem(ref));
      const { user } = found;
      const entitlements = await this.memberships.read(
        user,
        options.known ?? [],
        options.everything ?? false,
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

  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Whose the account is: the id jml recorded is the person's by definition (jml made or adopted
   * it); otherwise the accounts with this userName are weighed by their owner attribute.
   */
  private async ownership(ref: AccountRef): Promise<Ownership> {
    await this.learnCapabilities();
    if (ref.accountId) {
      const { status, body } = await this.http.request('GET', `/Users/${encodeURIComponent(ref.accountId)}`, {
        accept: [404],
      });
      if (status !== 404) {
        const user = body as ScimUser;
        const owner = this.owner.of(user);
        return owner && owner !== ref.employeeId ? { kind: 'other', owner } : { kind: 'own', user };
      }
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

  /** The person's own account, or undefined when there is none (or only someone else's). */
  private async ownAccount(ref: AccountRef): Promise<ScimUser | undefined> {
    const found = await this.ownership(ref);
    if (found.kind === 'own') return found.user;
    if (found.kind === 'unowned') throw new UnverifiableError(this.unownedProblem(ref));
    return undefined;
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

  private async removeMember(entitlement: string, user: ScimUser): Promise<void> {
    const value = this.memberships.valueOf(user);
    if (!this.removeByValueList) {
      try {
        await this.patchMembership(
          entitlement,
          { op: 'remove', path: `members[value eq ${quote(value)}]` },
          false,
        );
        return;
      } catch (error) {
        if (!isFormRefusal(error)) throw error;
        this.removeByValueList = true;
      }
    }
    await this.patchMembership(entitlement, { op: 'remove', path: 'members', value: [{ value }] }, false);
  }

  /**
   * One membership change. No If-Match: adding or removing one member commutes with every other such
   * change, so leavers of the same group never conflict. A group id from the cache that has gone
   * stale (404) is looked up once more.
   */
  private async patchMembership(entitlement: string, operation: object, mustExist: boolean): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const id = await this.groups.idOf(entitlement);
      if (!id) {
        if (!mustExist) return;
        throw new PermanentConnectorError(`${this.appId}: group "${entitlement}" does not exist`);
      }
      try {
        const { status } = await this.http.request('PATCH', `/Groups/${encodeURIComponent(id)}`, {
          accept: [404],
          body: { schemas: [PATCH_SCHEMA], Operations: [operation] },
        });
        if (status !== 404) return;
        this.groups.forget(entitlement);
      } catch (error) {
        // 400 noTarget on a remove means the member was already gone: the goal state holds.
        if (error instanceof ScimRequestError && error.scimType === 'noTarget' && !mustExist) return;
        throw error;
      }
    }
    if (mustExist) throw new PermanentConnectorError(`${this.appId}: group "${entitlement}" does not exist`);
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

/** 501, or a 400 that says the form of the request (not its target) was not understood. */
function isFormRefusal(error: unknown): boolean {
  if (!(error instanceof ScimRequestError)) return false;
  return error.status === 501 || (error.status === 400 && FORM_REFUSED.has(error.scimType ?? ''));
}

/** Reads and writes the attribute that names an account's owner: externalId, or `<urn>:<attribute>`. */
class OwnerAttribute {
  private readonly schema: string | undefined;
  private readonly attribute: string;

  constructor(readonly name: string) {
    const split = name.lastIndexOf(':');
    this.schema = split > 0 ? name.slice(0, split) : undefined;
    this.attribute = split > 0 ? name.slice(split + 1) : name;
  }

  of(user: ScimResource): string | undefined {
    const holder = this.schema ? (user[this.schema] as Record<string, unknown> | undefined) : user;
    const value = holder?.[this.attribute];
    return typeof value === 'string' && value ? value : undefined;
  }

  write(user: Record<string, unknown>, employeeId: string): Record<string, unknown> {
    if (!this.schema) return { ...user, [this.attribute]: employeeId };
    return {
      ...user,
      schemas: [...(user.schemas as string[]), this.schema],
      [this.schema]: { [this.attribute]: employeeId },
    };
  }
}
