// SCIM 2.0 connector (RFC 7643/7644): Users by userName, entitlements as Group membership.
import type { AccountRef, AppState } from '../../domain/app-state';
import type { ScimApplicationConfig } from '../../domain/config';
import type { AccountProfile, Connector } from '../connector';
import { PermanentConnectorError } from '../errors';
import { ScimHttp } from './scim-http';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface ScimUser {
  id: string;
  userName: string;
  externalId?: string;
  active?: boolean;
  meta?: { version?: string };
}

interface ScimGroup {
  id: string;
  displayName: string;
  members?: { value: string }[];
  meta?: { version?: string };
}

export class ScimConnector implements Connector {
  readonly appId: string;
  private readonly http: ScimHttp;

  constructor(config: ScimApplicationConfig) {
    this.appId = config.id;
    this.http = new ScimHttp(config.id, config.baseUrl, config.token, config.requestTimeout);
  }

  async ensureAccount(profile: AccountProfile): Promise<{ created: boolean }> {
    const existing = await this.findUser(profile.userName);
    if (existing) {
      await this.adopt(existing, profile);
      return { created: false };
    }
    const created = await this.http.request('POST', '/Users', {
      accept: [409],
      body: {
        schemas: [USER_SCHEMA],
        userName: profile.userName,
        externalId: profile.employeeId,
        name: { givenName: profile.givenName, familyName: profile.familyName },
        displayName: `${profile.givenName} ${profile.familyName}`,
        emails: [{ value: profile.email, type: 'work', primary: true }],
        active: true,
      },
    });
    if (created.status !== 409) return { created: true };
    // 409 uniqueness: a previous attempt (or someone else) created it; adopt it if it is this person.
    const raced = await this.findUser(profile.userName);
    if (!raced)
      throw new PermanentConnectorError(
        `${this.appId}: 409 on create but no user "${profile.userName}" found`,
      );
    await this.adopt(raced, profile);
    return { created: false };
  }

  async grant(ref: AccountRef, entitlement: string): Promise<void> {
    const user = await this.findUser(ref.userName);
    if (!user)
      throw new PermanentConnectorError(
        `${this.appId}: no account "${ref.userName}" to grant "${entitlement}" to`,
      );
    const group = await this.findGroup(entitlement);
    if (!group) throw new PermanentConnectorError(`${this.appId}: group "${entitlement}" does not exist`);
    await this.patchGroup(group, { op: 'add', path: 'members', value: [{ value: user.id }] });
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    const user = await this.findUser(ref.userName);
    if (!user) return;
    const group = await this.findGroup(entitlement);
    if (!group) return;
    await this.removeMember(group, user.id);
  }

  async disable(ref: AccountRef): Promise<void> {
    const user = await this.findUser(ref.userName);
    if (!user || user.active === false) return;
    await this.http.request('PATCH', `/Users/${encodeURIComponent(user.id)}`, {
      ifMatch: user.meta?.version,
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
  }

  async delete(ref: AccountRef): Promise<void> {
    const user = await this.findUser(ref.userName);
    if (!user) return;
    // Not every server keeps referential integrity, so memberships go first: no dangling grants.
    for (const group of await this.groupsOf(user.id)) await this.removeMember(group, user.id);
    await this.http.request('DELETE', `/Users/${encodeURIComponent(user.id)}`, { accept: [404] });
  }

  terminateSessions(): Promise<number> {
    // SCIM has no session resource; applications with sessions get a connector kind of their own.
    return Promise.resolve(0);
  }

  async readState(ref: AccountRef): Promise<AppState> {
    const user = await this.findUser(ref.userName);
    if (!user) return { exists: false, active: false, entitlements: [], openSessions: null };
    const groups = await this.groupsOf(user.id);
    return {
      exists: true,
      active: user.active !== false,
      entitlements: groups.map((g) => g.displayName).sort(),
      openSessions: null,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async adopt(user: ScimUser, profile: AccountProfile): Promise<void> {
    if (user.externalId && user.externalId !== profile.employeeId) {
      throw new PermanentConnectorError(
        `${this.appId}: account "${profile.userName}" belongs to another employee (externalId differs); not adopting it`,
      );
    }
    if (user.active !== false && user.externalId) return;
    await this.http.request('PATCH', `/Users/${encodeURIComponent(user.id)}`, {
      ifMatch: user.meta?.version,
      body: {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', value: { active: true, externalId: profile.employeeId } }],
      },
    });
  }

  /** Looks a user up by userName, and checks the answer: some servers ignore filters. */
  private async findUser(userName: string): Promise<ScimUser | undefined> {
    const list = await this.list<ScimUser>('Users', `userName eq ${quote(userName)}`);
    return list.find((u) => u.userName.toLowerCase() === userName.toLowerCase());
  }

  private async findGroup(displayName: string): Promise<ScimGroup | undefined> {
    const list = await this.list<ScimGroup>('Groups', `displayName eq ${quote(displayName)}`);
    return list.find((g) => g.displayName === displayName);
  }

  private async groupsOf(userId: string): Promise<ScimGroup[]> {
    const list = await this.list<ScimGroup>('Groups', `members.value eq ${quote(userId)}`);
    return list.filter((g) => g.members?.some((m) => m.value === userId));
  }

  private async removeMember(group: ScimGroup, userId: string): Promise<void> {
    await this.patchGroup(group, { op: 'remove', path: `members[value eq ${quote(userId)}]` }, [400]);
  }

  private async patchGroup(group: ScimGroup, operation: object, accept: number[] = []): Promise<void> {
    const response = await this.http.request('PATCH', `/Groups/${encodeURIComponent(group.id)}`, {
      ifMatch: group.meta?.version,
      accept,
      body: { schemas: [PATCH_SCHEMA], Operations: [operation] },
    });
    // 400 noTarget on a remove means the member was already gone: the goal state holds.
    if (response.status === 400 && scimType(response.body) !== 'noTarget') {
      throw new PermanentConnectorError(`${this.appId}: PATCH group "${group.displayName}" answered 400`);
    }
  }

  private async list<T>(resource: 'Users' | 'Groups', filter: string): Promise<T[]> {
    const query = new URLSearchParams({ filter, count: '1000' });
    const { body } = await this.http.request('GET', `/${resource}?${query.toString()}`);
    const resources = (body as { Resources?: T[] } | undefined)?.Resources;
    return Array.isArray(resources) ? resources : [];
  }
}

/** A SCIM filter string literal (RFC 7644 §3.4.2.2: JSON string rules). */
function quote(value: string): string {
  return JSON.stringify(value);
}

function scimType(body: unknown): unknown {
  return body && typeof body === 'object' && 'scimType' in body ? body.scimType : undefined;
}
