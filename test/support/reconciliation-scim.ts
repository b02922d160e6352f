// What a person does by hand in a SCIM application's own console, for the reconciliation tests: an
// account created outside jml, a membership added or removed, an account switched back on; and the
// application read directly, without jml's connector.
import type { ScimServer } from '../../scripts/lib/scim-server';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimUser {
  id: string;
  userName: string;
  externalId?: string;
  active?: boolean;
}

export class ScimConsole {
  constructor(private readonly server: Pick<ScimServer, 'baseUrl' | 'token'>) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.server.token}`,
        accept: 'application/scim+json',
        ...(body ? { 'content-type': 'application/scim+json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** An account made by hand; without `externalId` nobody is named as its owner. */
  async createUser(userName: string, externalId?: string): Promise<ScimUser> {
    return (await this.call('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      active: true,
      ...(externalId ? { externalId } : {}),
    })) as ScimUser;
  }

  async user(id: string): Promise<ScimUser> {
    return (await this.call('GET', `/Users/${id}`)) as ScimUser;
  }

  async userNamed(userName: string): Promise<ScimUser> {
    const found = (await this.call(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`,
    )) as {
      Resources?: ScimUser[];
    };
    const user = found.Resources?.find((u) => u.userName === userName);
    if (!user) throw new Error(`no user ${userName}`);
    return user;
  }

  async setActive(id: string, active: boolean): Promise<void> {
    await this.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: active }],
    });
  }

  private async groupId(displayName: string): Promise<string> {
    const groups = (await this.call('GET', '/Groups?count=1000')) as {
      Resources?: { id: string; displayName: string }[];
    };
    const group = groups.Resources?.find((g) => g.displayName === displayName);
    if (!group) throw new Error(`no group ${displayName}`);
    return group.id;
  }

  async addMember(group: string, userId: string): Promise<void> {
    await this.call('PATCH', `/Groups/${await this.groupId(group)}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
    });
  }

  async removeMember(group: string, userId: string): Promise<void> {
    await this.call('PATCH', `/Groups/${await this.groupId(group)}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }],
    });
  }

  /** The groups the user is a member of, read from the groups' member lists. */
  async groupsOf(userId: string): Promise<string[]> {
    const groups = (await this.call('GET', '/Groups?count=1000')) as {
      Resources?: { displayName: string; members?: { value: string }[] }[];
    };
    return (groups.Resources ?? [])
      .filter((g) => g.members?.some((m) => m.value === userId))
      .map((g) => g.displayName)
      .sort();
  }
}
