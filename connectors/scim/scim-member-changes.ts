// Adding or removing one member of one SCIM Group: one PATCH on the Group (RFC 7644 §3.5.2), never
// a member list read or written whole. No If-Match: adding or removing one member commutes with
// every other such change, so people joining or leaving the same group never conflict. The answer
// is asked without the member list (`excludedAttributes=members`, §3.9), which a server would
// otherwise send back whole with each change.
import { PermanentConnectorError } from '../errors';
import type { GroupDirectory } from './scim-groups';
import { quote } from './scim-groups';
import { ScimRequestError, type ScimHttp } from './scim-http';

const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const WITHOUT_MEMBERS = '?excludedAttributes=members';

/** scimTypes that say the request's form is not understood, so another form may work. */
const FORM_REFUSED = new Set(['invalidPath', 'invalidFilter', 'invalidSyntax', 'invalidValue']);

export class MemberChanges {
  /** Falls back to the plain `members` remove (as Microsoft Entra sends it) once the filtered path is refused. */
  private removeByValueList = false;

  constructor(
    private readonly appId: string,
    private readonly http: ScimHttp,
    private readonly groups: GroupDirectory,
  ) {}

  /** Adds `value` (as the server names members) to the group; fails permanently if there is no such group. */
  async add(entitlement: string, value: string): Promise<void> {
    await this.patch(entitlement, { op: 'add', path: 'members', value: [{ value }] }, true);
  }

  /** Removes `value` from the group; a member or group already gone is success. */
  async remove(entitlement: string, value: string): Promise<void> {
    if (!this.removeByValueList) {
      try {
        await this.patch(entitlement, { op: 'remove', path: `members[value eq ${quote(value)}]` }, false);
        return;
      } catch (error) {
        if (!isFormRefusal(error)) throw error;
        this.removeByValueList = true;
      }
    }
    await this.patch(entitlement, { op: 'remove', path: 'members', value: [{ value }] }, false);
  }

  /** One membership change; a group id from the cache that has gone stale (404) is looked up once more. */
  private async patch(entitlement: string, operation: object, mustExist: boolean): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const id = await this.groups.idOf(entitlement);
      if (!id) break;
      try {
        const { status } = await this.http.request(
          'PATCH',
          `/Groups/${encodeURIComponent(id)}${WITHOUT_MEMBERS}`,
          {
            accept: [404],
            body: { schemas: [PATCH_SCHEMA], Operations: [operation] },
          },
        );
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
}

/** 501, or a 400 that says the form of the request (not its target) was not understood. */
export function isFormRefusal(error: unknown): boolean {
  if (!(error instanceof ScimRequestError)) return false;
  return error.status === 501 || (error.status === 400 && FORM_REFUSED.has(error.scimType ?? ''));
}
