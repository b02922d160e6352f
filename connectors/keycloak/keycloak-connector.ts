// Keycloak connector: accounts are realm users found by username and tied to the employee by a user
// attribute (default `jmlEmployeeId`); entitlements are groups and realm roles (keycloak-entitlements.ts);
// disable sets `enabled: false`; sessions are user and offline sessions (keycloak-sessions.ts).
import { requestLimiterOf, type RequestLimiter } from '../request-limiter';
import { z } from 'zod';
import type { AccountRef, AppState } from '../../domain/app-state';
import type { KeycloakApplicationConfig } from '../../domain/config';
import type { AccountPage, AccountProfile, Connector, ListedAccount, ListOptions } from '../connector';
import { checkPageSize, decodeCursor, encodeCursor } from '../listing-cursor';
import { settleEach } from '../concurrency';
import { stateOfNotOwn, type Ownership as OwnershipOf } from '../ownership';
import { PermanentConnectorError, TransientConnectorError, UnverifiableError } from '../errors';
import {
  clientRoleEntitlement,
  groupByPath,
  groupEntitlement,
  isDefaultRole,
  parseEntitlement,
  ROLE_PREFIX,
} from './keycloak-entitlements';
import { KeycloakHttp } from './keycloak-http';
import { countSessions, endSessions } from './keycloak-sessions';

interface KeycloakUser {
  id: string;
  username: string;
  enabled?: boolean;
  attributes?: Record<string, string[] | undefined>;
}

interface Named {
  id: string;
  name: string;
  path?: string;
}

interface Membership {
  path: string;
  /** For role mappings: the role representation to add or remove. */
  roles?: { id: string; name: string }[];
}

interface RoleMappings {
  realmMappings?: Named[];
  clientMappings?: Record<string, { client?: string; mappings?: Named[] }>;
}

type Ownership = OwnershipOf<{ user: KeycloakUser }, { username: string }>;

/** Groups are read a page at a time; a short page is the last. */
const GROUP_PAGE = 100;
/** Users of a listed page whose memberships are read at once. */
const LISTING_CONCURRENCY = 8;

/**
 * A listing's position: the offset (`first`) of the next page, and how many users the realm had when
 * the listing began, so that a page can tell when users came or went under the offsets.
 */
const LISTING_CURSOR = z.strictObject({
  k: z.literal('keycloak'),
  first: z.number().int().min(1),
  users: z.number().int().min(0),
});

export class KeycloakConnector implements Connector {
  readonly appId: string;
  private readonly http: KeycloakHttp;
  readonly limiter: RequestLimiter;

  constructor(private readonly config: KeycloakApplicationConfig) {
    this.appId = config.id;
    this.limiter = requestLimiterOf(config);
    this.http = new KeycloakHttp({
      limiter: this.limiter,
      appId: config.id,
      baseUrl: config.baseUrl,
      realm: config.realm,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs: config.requestTimeout,
    });
  }

  async ensureAccount(profile: AccountProfile): Promise<{ created: boolean; accountId: string }> {
    const { status, headers, body } = await this.http.request('POST', '/users', {
      body: {
        username: profile.userName,
        email: profile.email,
        firstName: profile.givenName,
        lastName: profile.familyName,
        enabled: true,
        attributes: { [this.config.ownerAttribute]: [profile.employeeId] },
        requiredActions: this.config.requiredActions,
      },
      accept: [409],
    });
    if (status === 409) return { created: false, accountId: await this.adopt(profile, body) };
    const id = headers.get('location')?.split('/').pop();
    if (!id)
      throw new PermanentConnectorError(
        `${this.appId}: Keycloak created "${profile.userName}" without saying its id`,
      );
    await this.checkOwnerKept(id, profile);
    return { created: true, accountId: id };
  }

  async grant(ref: AccountRef, entitlement: string): Promise<void> {
    const user = await this.ownUser(ref);
    if (!user)
      throw new PermanentConnectorError(`no account of ${ref.employeeId} to grant "${entitlement}" to`);
    const membership = await this.membership(user.id, entitlement);
    if (!membership) throw new PermanentConnectorError(`${this.appId}: ${describeMissing(entitlement)}`);
    // Both forms are idempotent in Keycloak: adding a held group or role changes nothing.
    if (membership.roles) await this.http.request('POST', membership.path, { body: membership.roles });
    else await this.http.request('PUT', membership.path);
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    const user = await this.ownUser(ref);
    if (!user) return;
    const membership = await this.membership(user.id, entitlement);
    if (!membership) return;
    await this.http.request('DELETE', membership.path, { body: membership.roles, accept: [404] });
  }

  async disable(ref: AccountRef): Promise<void> {
    const user = await this.ownUser(ref);
    if (user) await this.setEnabled(user.id, false);
  }

  async delete(ref: AccountRef): Promise<void> {
    const user = await this.ownUser(ref);
    if (!user) return;
    const path = userPath(user.id);
    // Sign-in paths go first, each on its own: should the user's deletion then fail (or a user
    // federation refuse it), no linked identity provider or second factor still lets them in.
    const links = await this.list<{ identityProvider?: string }>(`${path}/federated-identity`);
    for (const link of links) {
      if (!link.identityProvider) continue;
      await this.http.request(
        'DELETE',
        `${path}/federated-identity/${encodeURIComponent(link.identityProvider)}`,
        {
          accept: [404],
        },
      );
    }
    for (const credential of await this.list<{ id?: string }>(`${path}/credentials`)) {
      if (!credential.id) continue;
      await this.http.request('DELETE', `${path}/credentials/${encodeURIComponent(credential.id)}`, {
        accept: [404],
      });
    }
    await this.http.request('DELETE', path, { accept: [404] });
  }

  async terminateSessions(ref: AccountRef): Promise<number> {
    const user = await this.ownUser(ref);
    return user ? endSessions(this.http, userPath(user.id)) : 0;
  }

  async readState(ref: AccountRef): Promise<AppState> {
    const found = await this.ownership(ref);
    if (found.kind !== 'own') {
      return stateOfNotOwn(found, 0, ({ username }) => unownedProblem(username, ref, this.config));
    }
    const { user } = found;
    const path = userPath(user.id);
    const [groups, roles, sessions] = await Promise.all([
      this.groupsOf(path),
      this.roleMappings(path),
      countSessions(this.http, path),
    ]);
    return {
      exists: true,
      active: user.enabled === true,
      entitlements: [...groups, ...roles].sort(),
      openSessions: sessions,
      accountId: user.id,
    };
  }

  /**
   * Lists the realm's users a page at a time by offset (`first`/`max`, in Keycloak's username order),
   * asking for one more than the page to know whether another follows. Each user's groups and role
   * mappings are read as readState reads them, two requests per user whatever the size of the realm
   * or its groups: Keycloak answers memberships per user, so no group's member list is ever read.
   * Offsets shift when users are created or removed between two pages (one may be skipped or listed
   * twice): the realm's user count is carried in the cursor, and a page that finds it changed says
   * so. A page Keycloak refuses ends the listing there, unverifiable. Service-account users, which
   * Keycloak leaves out of its user listing, are clients' and not listed.
   */
  async listAccounts(options: ListOptions): Promise<AccountPage> {
    const size = checkPageSize(this.appId, options.pageSize);
    const at = decodeCursor(this.appId, options.cursor, LISTING_CURSOR);
    const first = at?.first ?? 0;
    const query = new URLSearchParams({
      first: String(first),
      max: String(size + 1),
      briefRepresentation: 'false',
    });
    let listed: KeycloakUser[];
    let count: number;
    try {
      [listed, count] = await Promise.all([
        this.list<KeycloakUser>(`/users?${query.toString()}`),
        this.userCount(),
      ]);
    } catch (error) {
      if (!(error instanceof PermanentConnectorError)) throw error;
      return {
        accounts: [],
        unverifiable: `${error.message}: the page of users from ${first} was refused, so the listing stops after ${first} users`,
      };
    }
    const users = listed.slice(0, size);
    const read = new Array<ListedAccount | undefined>(users.length);
    const problems: string[] = [];
    if (at !== undefined && at.users !== count) {
      problems.push(
        `${this.appId}: the realm's users went from ${at.users} to ${count} while they were listed, so a user may have been skipped or listed twice; the next listing sees them as they are`,
      );
    }
    await settleEach(
      users.map((user, i) => ({ user, i })),
      LISTING_CONCURRENCY,
      async ({ user, i }) => {
        read[i] = await this.listed(user, problems);
      },
    );
    return {
      accounts: read.filter((account) => account !== undefined),
      ...(listed.length > size
        ? { next: encodeCursor({ k: 'keycloak', first: first + size, users: count }) }
        : {}),
      ...(problems.length ? { unverifiable: problems.join('; ') } : {}),
    };
  }

  close(): Promise<void> {
    // fetch keeps no connection that needs closing.
    return Promise.resolve();
  }

  /** Takes over an existing user only when the owner attribute names the same person, and enables it. */
  private async adopt(profile: AccountProfile, conflict: unknown): Promise<string> {
    const found = await this.ownership({ ...profile, accountId: undefined });
    if (found.kind === 'none') {
      // 409 without a user of that name: another unique field (the email) is taken.
      const reason = (conflict as { errorMessage?: unknown } | undefined)?.errorMessage;
      throw new PermanentConnectorError(
        `${this.appId}: Keycloak refused to create "${profile.userName}": ${typeof reason === 'string' ? reason : 'conflict'}`,
      );
    }
    if (found.kind === 'unowned')
      throw new PermanentConnectorError(unownedProblem(found.username, profile, this.config));
    if (found.kind === 'other') {
      throw new PermanentConnectorError(
        `user "${profile.userName}" already exists for ${found.owner}, not ${profile.employeeId}: refusing to adopt another person's account`,
      );
    }
    if (found.user.enabled !== true) await this.setEnabled(found.user.id, true);
    return found.user.id;
  }

  /**
   * Keycloak drops attributes its user profile does not declare. A user created without the owner
   * attribute would be nobody's, so it is removed again and the realm's configuration named instead.
   */
  private async checkOwnerKept(id: string, profile: AccountProfile): Promise<void> {
    const user = await this.userById(id);
    if (!user)
      throw new TransientConnectorError(
        `${this.appId}: user "${profile.userName}" vanished right after it was created`,
      );
    if (ownerOf(user, this.config.ownerAttribute) === profile.employeeId) return;
    await this.http.request('DELETE', userPath(id), { accept: [404] });
    throw new PermanentConnectorError(
      `${this.appId}: realm "${this.config.realm}" does not keep the user attribute "${this.config.ownerAttribute}"; declare it in the realm's user profile (Realm settings → User profile, editable and viewable by admins only)`,
    );
  }

  /** Partial update: Keycloak keeps every field the representation leaves out (when it carries no attributes). */
  private async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.http.request('PUT', userPath(id), { body: { enabled } });
  }

  /**
   * Whose the person's user is: the id jml recorded, else the user with that username (Keycloak keeps
   * usernames in lower case), weighed by the owner attribute jml writes on every user it creates.
   */
  private async ownership(ref: AccountRef): Promise<Ownership> {
    let user: KeycloakUser | undefined;
    if (ref.accountId) user = await this.userById(ref.accountId);
    user ??= await this.findByUsername(ref.userName);
    if (!user) return { kind: 'none' };
    const owner = ownerOf(user, this.config.ownerAttribute);
    if (owner === ref.employeeId) return { kind: 'own', user };
    return owner ? { kind: 'other', owner } : { kind: 'unowned', username: user.username };
  }

  private async ownUser(ref: AccountRef): Promise<KeycloakUser | undefined> {
    const found = await this.ownership(ref);
    if (found.kind === 'own') return found.user;
    if (found.kind === 'unowned')
      throw new UnverifiableError(unownedProblem(found.username, ref, this.config));
    return undefined;
  }

  /**
   * Where the user's membership of an entitlement lives in the Admin API: the group membership path,
   * or the role-mapping path with the role to send. Undefined when the group, client or role does not
   * exist (or the entitlement is not a name jml understands).
   */
  private async membership(userId: string, entitlement: string): Promise<Membership | undefined> {
    const target = parseEntitlement(entitlement);
    const base = userPath(userId);
    if (!target) return undefined;
    if (target.kind === 'group') {
      const group = await this.find(groupByPath(target.path));
      return group && { path: `${base}/groups/${encodeURIComponent(group.id)}` };
    }
    if (target.kind === 'role') {
      const role = await this.find(`/roles/${encodeURIComponent(target.name)}`);
      return role && { path: `${base}/role-mappings/realm`, roles: [{ id: role.id, name: role.name }] };
    }
    const query = new URLSearchParams({ clientId: target.clientId });
    const clients = await this.list<{ id: string; clientId: string }>(`/clients?${query.toString()}`);
    const client = clients.find((c) => c.clientId === target.clientId);
    if (!client) return undefined;
    const clientPath = encodeURIComponent(client.id);
    const role = await this.find(`/clients/${clientPath}/roles/${encodeURIComponent(target.name)}`);
    return (
      role && {
        path: `${base}/role-mappings/clients/${clientPath}`,
        roles: [{ id: role.id, name: role.name }],
      }
    );
  }

  /** The realm and client roles mapped to the user directly, as entitlement names, in one request. */
  private async roleMappings(path: string): Promise<string[]> {
    const { body } = await this.http.request('GET', `${path}/role-mappings`);
    const mappings = (body ?? {}) as RoleMappings;
    const realm = (mappings.realmMappings ?? [])
      .filter((r) => !isDefaultRole(r.name, this.config.realm))
      .map((r) => ROLE_PREFIX + r.name);
    const clients = Object.entries(mappings.clientMappings ?? {}).flatMap(([clientId, mapping]) =>
      (mapping.mappings ?? []).map((r) => clientRoleEntitlement(mapping.client ?? clientId, r.name)),
    );
    return [...realm, ...clients];
  }

  /**
   * A listed user with its groups and roles; undefined when it was removed before they were read.
   * Memberships Keycloak refuses to show are added to `problems`, the user listed without them.
   */
  private async listed(user: KeycloakUser, problems: string[]): Promise<ListedAccount | undefined> {
    const path = userPath(user.id);
    let entitlements: string[] = [];
    try {
      const [groups, roles] = await Promise.all([this.groupsOf(path), this.roleMappings(path)]);
      entitlements = [...groups, ...roles].sort();
    } catch (error) {
      if (!(error instanceof PermanentConnectorError)) throw error;
      if (!(await this.userById(user.id))) return undefined;
      problems.push(`${error.message}: the memberships of user ${user.id} are not known`);
    }
    const ownerId = ownerOf(user, this.config.ownerAttribute);
    return {
      accountId: user.id,
      userName: user.username,
      ...(ownerId ? { ownerId } : {}),
      active: user.enabled === true,
      entitlements,
    };
  }

  private async userCount(): Promise<number> {
    const { body } = await this.http.request('GET', '/users/count');
    if (typeof body !== 'number')
      throw new UnverifiableError(`${this.appId}: GET /users/count did not answer with a number`);
    return body;
  }

  private async userById(id: string): Promise<KeycloakUser | undefined> {
    const { status, body } = await this.http.request('GET', userPath(id), { accept: [404] });
    return status === 404 ? undefined : (body as KeycloakUser);
  }

  private async findByUsername(userName: string): Promise<KeycloakUser | undefined> {
    const query = new URLSearchParams({ username: userName, exact: 'true', briefRepresentation: 'false' });
    const users = await this.list<KeycloakUser>(`/users?${query.toString()}`);
    // `exact` is a search option, not a promise: only a username that really matches counts.
    return users.find((u) => u.username.toLowerCase() === userName.toLowerCase());
  }

  private async groupsOf(path: string): Promise<string[]> {
    const names: string[] = [];
    for (let first = 0; ; first += GROUP_PAGE) {
      const query = new URLSearchParams({
        briefRepresentation: 'true',
        first: String(first),
        max: String(GROUP_PAGE),
      });
      const page = await this.list<Named>(`${path}/groups?${query.toString()}`);
      names.push(...page.map((g) => groupEntitlement(g.path ?? g.name)));
      if (page.length < GROUP_PAGE) return names;
    }
  }

  /** The object at path, or undefined on 404. */
  private async find(path: string): Promise<Named | undefined> {
    const { status, body } = await this.http.request('GET', path, { accept: [404] });
    return status === 404 ? undefined : (body as Named);
  }

  private async list<T>(path: string): Promise<T[]> {
    const { body } = await this.http.request('GET', path);
    if (!Array.isArray(body))
      throw new UnverifiableError(`${this.appId}: GET ${path} did not answer with a list`);
    return body as T[];
  }
}

function describeMissing(entitlement: string): string {
  const target = parseEntitlement(entitlement);
  if (!target) return `"${entitlement}" is not a group path, role:<name> or client:<clientId>:<role>`;
  if (target.kind === 'group') return `group "${entitlement}" does not exist`;
  if (target.kind === 'role') return `realm role "${target.name}" does not exist`;
  return `client "${target.clientId}" or its role "${target.name}" does not exist`;
}

function userPath(id: string): string {
  return `/users/${encodeURIComponent(id)}`;
}

function ownerOf(user: KeycloakUser, attribute: string): string | undefined {
  return user.attributes?.[attribute]?.[0];
}

function unownedProblem(username: string, ref: AccountRef, config: KeycloakApplicationConfig): string {
  return `user "${username}" exists without the ${config.ownerAttribute} attribute, so jml cannot show it is ${ref.employeeId}'s and does not touch it; set ${config.ownerAttribute} to ${ref.employeeId} if it is theirs, or rename or remove it`;
}
