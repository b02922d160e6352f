// Reading one account's group memberships the way this SCIM server can answer, and never taking an
// answer it cannot back up for the truth. Three sources, cheapest first:
//   user-groups   the User's read-only `groups` attribute, once the server has shown it keeps it
//                 (declaring it in /Schemas is no proof: some servers declare it and never fill it);
//   group-filter  GET /Groups?filter=members.value eq "<id>" asking for displayNames only, once a
//                 probe has shown the server does not ignore that filter;
//   per-group     each group read with its members: the last resort.
// A source is cross-checked against the groups jml's record says the account may hold: until it
// has shown one of them itself, each one it does not show is checked directly, and a source caught
// leaving out a real membership is not used for this application again.
import { randomUUID } from 'node:crypto';
import { MEMBERSHIP_SOURCES } from '../../domain/config';
import { TransientConnectorError } from '../errors';
import type { ScimHttp } from './scim-http';
import { isFilterRefusal, type ScimListing, type ScimResource } from './scim-listing';
import { quote, type GroupDirectory } from './scim-groups';

export type MembershipSource = (typeof MEMBERSHIP_SOURCES)[number];

export interface MemberRef {
  value?: string;
  display?: string;
  $ref?: string;
}

/** The parts of a User a membership read needs. */
export interface Member {
  id: string;
  userName: string;
  groups?: MemberRef[];
}

/** A group-filter read started for an account id before its User was in hand (MembershipReader.prefetch). */
export interface PrefetchedMemberships {
  accountId: string;
  answer: Promise<string[] | undefined>;
}

/** How many group reads run at once when groups are checked one by one. */
const PER_GROUP_CONCURRENCY = 8;

export class MembershipReader {
  private readonly unusable = new Set<MembershipSource>();
  private readonly proven = new Set<MembershipSource>();
  /** Set once a User came back with a non-empty `groups`: from then on its absence means "none". */
  private userGroupsKept = false;
  private filterProbe: Promise<boolean> | undefined;
  /**
   * What the server puts in `members.value`: the User id (RFC 7643), or, as some servers do, the
   * userName; learned from the member lists it returns.
   */
  memberValue: 'id' | 'userName' = 'id';

  constructor(
    private readonly http: ScimHttp,
    private readonly listing: ScimListing,
    private readonly groups: GroupDirectory,
    /** The application's setting: `auto`, or the source to start from. */
    private readonly configured: 'auto' | MembershipSource,
    private readonly filtersSupported: () => boolean,
    /** False when the server's User schema has no `groups` attribute at all. */
    private readonly userGroupsPossible: () => boolean,
  ) {
    if (configured === 'user-groups') this.userGroupsKept = true;
  }

  /**
   * The displayNames of the groups `user` is in. `known` are groups jml's record says it may hold;
   * with `everything`, groups outside `known` must be seen too (a leaver), otherwise (`per-group`
   * only) just the known ones are checked.
   */
  async read(
    user: Member,
    known: string[],
    everything: boolean,
    prefetched?: PrefetchedMemberships,
  ): Promise<string[]> {
    for (const source of this.sources()) {
      if (source === 'per-group') {
        return this.checkEach(user, everything ? await this.groups.allNames() : known);
      }
      const early = prefetched?.accountId === user.id ? prefetched.answer : undefined;
      const names =
        source === 'user-groups' ? await this.fromUser(user) : await (early ?? this.fromFilter(user));
      if (names === undefined) continue;
      if (!this.proven.has(source)) {
        const missing = known.filter((k) => !names.includes(k));
        // Nothing to compare with: only a full check shows whether an empty answer is the truth.
        const unchecked = everything && known.length === 0 && names.length === 0;
        const check = unchecked ? await this.groups.allNames() : missing;
        if (check.length && (await this.checkEach(user, check)).length) {
          this.unusable.add(source);
          continue;
        }
        if (names.some((n) => known.includes(n))) this.proven.add(source);
        else if (known.length === 0 && names.length && (await this.confirms(source, user, names[0]!))) {
          // jml knew nothing to compare with (an account it found, not one it made), but the source
          // named a membership: one group read once shows it, instead of every read checking group by
          // group what was just revoked.
          this.proven.add(source);
        }
      }
      return names.sort();
    }
    throw new Error('unreachable: per-group is always a source');
  }

  /**
   * Whether the group `name` that `source` says `user` is in does list them; a source that names a
   * membership the group does not have is not used here again.
   */
  private async confirms(source: MembershipSource, user: Member, name: string): Promise<boolean> {
    if (await this.isMember(user, name)) return true;
    this.unusable.add(source);
    return false;
  }

  /**
   * Starts the read `read` would make for this account id, where that needs nothing of the User
   * (the member filter, members named by id), so that it runs beside the request that fetches or
   * changes the User: one round trip instead of two. Its answer is used only for the account the
   * User then proves to be; otherwise it is dropped.
   */
  prefetch(accountId: string): PrefetchedMemberships | undefined {
    // The User's `groups` is the first source only once the server has shown it keeps it; until then
    // the member filter is what a read ends up asking (and a User that does show groups proves it).
    const first = this.sources().find((s) => s !== 'user-groups' || this.userGroupsKept);
    if (first !== 'group-filter' || this.memberValue !== 'id') return undefined;
    const answer = this.fromFilter({ id: accountId, userName: '' });
    // Dropped when the account is not the person's: its failure then concerns nobody.
    answer.catch(() => undefined);
    return { accountId, answer };
  }

  /**
   * Whether the group named `name` lists `member`: asked of the member filter where it has proven
   * itself here, else read from the group (its member list: the last resort).
   */
  async groupLists(name: string, member: Member): Promise<boolean> {
    if (this.proven.has('group-filter') && !this.unusable.has('group-filter')) {
      const names = await this.fromFilter(member);
      if (names !== undefined) return names.includes(name);
    }
    return this.isMember(member, name);
  }

  /**
   * What a listing may take the Users' `groups` for: `proven` once it has shown memberships it was
   * checked against, `unproven` while the server may keep it but has not been checked here, and
   * `unusable` where it does not (no such attribute, caught leaving a membership out, or the
   * application reads another source).
   */
  userGroupsStanding(): 'proven' | 'unproven' | 'unusable' {
    if (!this.sources().includes('user-groups')) return 'unusable';
    if (!this.userGroupsKept && !this.userGroupsPossible()) return 'unusable';
    return this.proven.has('user-groups') ? 'proven' : 'unproven';
  }

  /** What a listing's check of the Users' `groups` against the groups' own member lists showed. */
  judgeUserGroups(verdict: 'proven' | 'unusable'): void {
    if (verdict === 'proven') this.proven.add('user-groups');
    else this.unusable.add('user-groups');
  }

  /** The value that stands for this user in a group's `members`. */
  valueOf(user: Member): string {
    return this.memberValue === 'userName' ? user.userName : user.id;
  }

  private sources(): MembershipSource[] {
    const start = this.configured === 'auto' ? 0 : MEMBERSHIP_SOURCES.indexOf(this.configured);
    return MEMBERSHIP_SOURCES.slice(start).filter((s) => !this.unusable.has(s));
  }

  /**
   * The displayNames the User's own `groups` names; undefined while the server has not shown that it
   * keeps that attribute (an empty one proves nothing until then).
   */
  async fromUser(user: Member): Promise<string[] | undefined> {
    if (!this.userGroupsKept && !this.userGroupsPossible()) return undefined;
    const refs = Array.isArray(user.groups) ? user.groups : [];
    if (refs.length === 0) return this.userGroupsKept ? [] : undefined;
    this.userGroupsKept = true;
    const names = await Promise.all(
      refs.map(async (g) => g.display ?? (g.value ? await this.groups.nameOf(g.value) : undefined)),
    );
    return [...new Set(names.filter((n): n is string => typeof n === 'string'))];
  }

  private async fromFilter(user: Member): Promise<string[] | undefined> {
    if (!this.filtersSupported() || !(await this.filterIsHonoured())) {
      this.unusable.add('group-filter');
      return undefined;
    }
    try {
      const groups = await this.listing.all<ScimResource>('Groups', {
        filter: `members.value eq ${quote(this.valueOf(user))}`,
        attributes: 'displayName',
      });
      return [...new Set(groups.map((g) => g.displayName).filter((n): n is string => typeof n === 'string'))];
    } catch (error) {
      if (!isFilterRefusal(error)) throw error;
      this.unusable.add('group-filter');
      return undefined;
    }
  }

  /** A filter on a member no group can have must match nothing; a server that ignores it fails this. */
  private filterIsHonoured(): Promise<boolean> {
    this.filterProbe ??= this.listing
      .all<ScimResource>('Groups', {
        filter: `members.value eq ${quote(`jml-probe-${randomUUID()}`)}`,
        attributes: 'displayName',
      })
      .then(
        (groups) => groups.length === 0,
        (error: unknown) => {
          if (isFilterRefusal(error)) return false;
          this.filterProbe = undefined;
          throw error;
        },
      );
    return this.filterProbe;
  }

  /** Reads each named group with its members; returns the names of those `user` is in. */
  private async checkEach(user: Member, names: string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const held: string[] = [];
    for (let i = 0; i < unique.length; i += PER_GROUP_CONCURRENCY) {
      const batch = unique.slice(i, i + PER_GROUP_CONCURRENCY);
      const results = await Promise.all(batch.map((name) => this.isMember(user, name)));
      batch.forEach((name, j) => results[j] && held.push(name));
    }
    return held.sort();
  }

  private async isMember(user: Member, name: string): Promise<boolean> {
    const id = await this.groups.idOf(name);
    if (!id) return false;
    const { status, body } = await this.http.request(
      'GET',
      `/Groups/${encodeURIComponent(id)}?attributes=members`,
      { accept: [404] },
    );
    if (status === 404) {
      this.groups.forget(name);
      throw new TransientConnectorError(`group "${name}" (${id}) disappeared while it was read`);
    }
    const members = (body as { members?: MemberRef[] } | undefined)?.members ?? [];
    for (const m of members) {
      if (m.value === user.id || m.$ref?.endsWith(`/Users/${user.id}`)) return true;
      if (m.value === user.userName) {
        this.memberValue = 'userName';
        return true;
      }
    }
    return false;
  }
}
