// Group ids by displayName for one SCIM application, resolved asking only for id and displayName
// (never a member list) and cached for the worker's life; a stale id is forgotten when the server
// says the group is gone.
import type { ScimHttp } from './scim-http';
import type { ScimListing, ScimResource } from './scim-listing';

export interface GroupSummary extends ScimResource {
  displayName: string;
}

const NAME_ONLY = { attributes: 'displayName' };

export class GroupDirectory {
  private readonly idByName = new Map<string, string>();
  private readonly nameById = new Map<string, string>();

  constructor(
    private readonly http: ScimHttp,
    private readonly listing: ScimListing,
  ) {}

  /** The group's id, or undefined when no group has this displayName. */
  async idOf(displayName: string): Promise<string | undefined> {
    const cached = this.idByName.get(displayName);
    if (cached) return cached;
    const found = await this.listing.find<GroupSummary>(
      'Groups',
      `displayName eq ${quote(displayName)}`,
      (g) => g.displayName === displayName,
      NAME_ONLY,
    );
    const id = found[0]?.id;
    if (id) this.remember(id, displayName);
    return id;
  }

  /** The displayName of a group id (as listed in a User's `groups`), or undefined if it is gone. */
  async nameOf(id: string): Promise<string | undefined> {
    const cached = this.nameById.get(id);
    if (cached) return cached;
    const { status, body } = await this.http.request(
      'GET',
      `/Groups/${encodeURIComponent(id)}?attributes=displayName`,
      { accept: [404] },
    );
    const name = status === 404 ? undefined : (body as { displayName?: unknown }).displayName;
    if (typeof name !== 'string') return undefined;
    this.remember(id, name);
    return name;
  }

  /** Every group's displayName, listed afresh. */
  async allNames(): Promise<string[]> {
    return (await this.all()).map((g) => g.displayName);
  }

  /** Every group with a displayName (its id and name), listed afresh. */
  async all(): Promise<GroupSummary[]> {
    const groups = await this.listing.all<GroupSummary>('Groups', NAME_ONLY);
    const named = groups.filter((g) => typeof g.displayName === 'string');
    for (const g of named) this.remember(g.id, g.displayName);
    return named;
  }

  forget(displayName: string): void {
    const id = this.idByName.get(displayName);
    this.idByName.delete(displayName);
    if (id) this.nameById.delete(id);
  }

  private remember(id: string, displayName: string): void {
    this.idByName.set(displayName, id);
    this.nameById.set(id, displayName);
  }
}

/** A SCIM filter string literal (RFC 7644 §3.4.2.2: JSON string rules). */
export function quote(value: string): string {
  return JSON.stringify(value);
}
