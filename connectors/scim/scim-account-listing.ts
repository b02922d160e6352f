// Every account of a SCIM application, a page at a time (RFC 7644 §3.4.2.4, startIndex and count),
// each with its owner attribute, its `active` and the groups it is in, asking only for the attributes
// that needs.
//
// Paging. The cursor holds the next startIndex, a position any worker can continue from (SCIM has no
// server-side paging state). Each answer is checked like every list jml reads: a server that does
// not start where asked (it answers the first page again) is caught by the previous page's first id
// or its own startIndex, one that ignores `count` has its answer cut to the page, one that answers
// the whole collection every time is paged through here, and one that stops short of its
// totalResults makes the page unverifiable. Offsets move when accounts come or go between two pages
// (one may be skipped or listed twice): totalResults is carried in the cursor, and a page that finds
// it changed says so. A page the server refuses (a 4xx answer) ends the listing there, unverifiable.
//
// Memberships. Where the server keeps the User's `groups` (proven against the groups' own member
// lists once per application and worker), they come with the page for nothing. Where it does not,
// memberships can only be read from the groups, and each group's member list is read once per
// listing, not once per account: an index from member to group names is built by the first page a
// worker serves of a listing and kept for that listing's later pages (the cursor names the listing).
// That is the cheapest correct way: per account, the members.value filter costs one request per
// account (10,000 for 10,000 accounts, on servers that honour it at all) and reading the groups per
// account one request per group per account, while the index costs one request per group per
// listing and holds only member ids and group names, never the accounts. A worker handed a page of a
// listing it has not served builds the index afresh (one more read of the groups, never a wrong
// answer), and an index older than INDEX_TTL_MS is rebuilt, so a listing paused for long sees the
// groups as they are.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { settleEach } from '../concurrency';
import type { AccountPage, ListedAccount, ListOptions } from '../connector';
import { UnverifiableError } from '../errors';
import { checkPageSize, decodeCursor, encodeCursor } from '../listing-cursor';
import type { GroupDirectory } from './scim-groups';
import { ScimRequestError, type ScimHttp } from './scim-http';
import type { ListPage, ScimListing, ScimResource } from './scim-listing';
import type { Member, MemberRef, MembershipReader } from './scim-memberships';
import type { OwnerAttribute } from './scim-owner';

/** How long a listing's member index is used before it is read again. */
const INDEX_TTL_MS = 10 * 60_000;
/** Group member lists read at once while an index is built. */
const GROUP_READS_AT_ONCE = 8;

const CURSOR = z.strictObject({
  k: z.literal('scim'),
  /** The startIndex of the next page. */
  s: z.number().int().min(2),
  /** totalResults as the page before saw it. */
  t: z.number().int().min(0).optional(),
  /** The first id of the page before: seen again, the server did not start where it was asked. */
  f: z.string().optional(),
  /** Which listing this is, for its member index. */
  l: z.string().min(1).max(64),
});
type Cursor = z.infer<typeof CURSOR>;

interface ListedUser extends ScimResource {
  userName?: unknown;
  active?: unknown;
  groups?: MemberRef[];
}

/** Group names by member value (a User id, or a userName on servers that keep those). */
type MemberIndex = Map<string, string[]>;

export class ScimAccountListing {
  private index: { listing: string; builtAt: number; members: Promise<MemberIndex> } | undefined;

  constructor(
    private readonly appId: string,
    private readonly http: ScimHttp,
    private readonly listing: ScimListing,
    private readonly groups: GroupDirectory,
    private readonly memberships: MembershipReader,
    private readonly owner: OwnerAttribute,
  ) {}

  async page(options: ListOptions): Promise<AccountPage> {
    const size = checkPageSize(this.appId, options.pageSize);
    const at = decodeCursor(this.appId, options.cursor, CURSOR);
    const start = at?.s ?? 1;
    const listingId = at?.l ?? randomUUID();
    const attributes = ['id', 'userName', 'active', 'groups', this.owner.name].join(',');
    let answer: ListPage<ListedUser>;
    try {
      answer = await this.listing.page<ListedUser>('Users', start, size, { attributes });
    } catch (error) {
      if (!(error instanceof ScimRequestError)) throw error;
      this.forget(listingId);
      return {
        accounts: [],
        unverifiable: `${error.message}: the server refused the page from startIndex ${start}, so the listing stops after ${start - 1} accounts`,
      };
    }
    const { users, next, problem } = this.cut(answer, start, size, at);
    const problems = [problem];
    if (at?.t !== undefined && answer.total !== undefined && answer.total !== at.t) {
      problems.push(
        `${this.appId}: the application's accounts went from ${at.t} to ${answer.total} while they were listed, so an account may have been skipped or listed twice; the next listing sees them as they are`,
      );
    }
    const held = await this.entitlementsOf(users, listingId);
    problems.push(held.problem);
    if (next === undefined) this.forget(listingId);
    const cursor: Cursor | undefined = next === undefined ? undefined : { k: 'scim', s: next, l: listingId };
    if (cursor && answer.total !== undefined) cursor.t = answer.total;
    if (cursor && users[0]) cursor.f = users[0].id;
    const unverifiable = problems.filter((p) => p !== undefined).join('; ');
    return {
      accounts: users.map((user, i) => this.account(user, held.byUser[i] ?? [])),
      ...(cursor ? { next: encodeCursor(cursor) } : {}),
      ...(unverifiable ? { unverifiable } : {}),
    };
  }

  /** The page's Users out of the server's answer, where the next page starts, and what went wrong. */
  private cut(
    answer: ListPage<ListedUser>,
    start: number,
    size: number,
    at: Cursor | undefined,
  ): { users: ListedUser[]; next?: number; problem?: string } {
    const { resources, total } = answer;
    const of = total === undefined ? '' : ` of ${total}`;
    // The whole collection, whatever was asked for: this page is cut out of it here.
    if (start > 1 && total !== undefined && total > 0 && resources.length >= total) {
      const users = resources.slice(start - 1, start - 1 + size);
      return { users, next: start - 1 + size < resources.length ? start + users.length : undefined };
    }
    const restarted =
      start > 1 &&
      ((answer.startIndex !== undefined && answer.startIndex !== start) ||
        (at?.f !== undefined && resources.some((r) => r.id === at.f)));
    if (restarted) {
      return {
        users: [],
        problem: `${this.appId}: asked for the accounts from startIndex ${start}, the server answered with those of an earlier page (it does not page), so the listing stops after ${start - 1}${of} accounts`,
      };
    }
    const users = resources.slice(0, size);
    if (users.length === 0) {
      if (total === undefined || start > total) return { users };
      return {
        users,
        problem: `${this.appId}: listing the accounts stopped after ${start - 1}${of} (the server answered an empty page before its totalResults)`,
      };
    }
    const after = start + users.length;
    return { users, next: total === undefined || after <= total ? after : undefined };
  }

  private account(user: ListedUser, entitlements: string[]): ListedAccount {
    const ownerId = this.owner.of(user);
    return {
      accountId: user.id,
      userName: typeof user.userName === 'string' ? user.userName : '',
      ...(ownerId ? { ownerId } : {}),
      active: user.active !== false,
      entitlements,
    };
  }

  /** Each User's group names, from its own `groups` where that is proven, else from the member index. */
  private async entitlementsOf(
    users: ListedUser[],
    listingId: string,
  ): Promise<{ byUser: string[][]; problem?: string }> {
    if (users.length === 0) return { byUser: [] };
    const standing = this.memberships.userGroupsStanding();
    if (standing === 'proven') {
      return {
        byUser: await Promise.all(
          users.map(async (u) => sorted((await this.memberships.fromUser(asMember(u))) ?? [])),
        ),
      };
    }
    let index: MemberIndex;
    try {
      index = await this.memberIndex(listingId);
    } catch (error) {
      if (!(error instanceof UnverifiableError || error instanceof ScimRequestError)) throw error;
      return {
        byUser: users.map(() => []),
        problem: `${error.message}, so the memberships of these accounts are not known`,
      };
    }
    const byUser = users.map((user) => this.lookUp(index, user));
    if (standing === 'unproven') await this.judgeUserGroups(users, byUser);
    return { byUser };
  }

  /**
   * Compares the Users' own `groups` with the groups' member lists: a membership the attribute leaves
   * out means it is not kept (and not used again); agreement on at least one membership proves it.
   */
  private async judgeUserGroups(users: ListedUser[], fromGroups: string[][]): Promise<void> {
    const shown = await Promise.all(users.map((u) => this.memberships.fromUser(asMember(u))));
    let agreed = false;
    for (const [i, names] of fromGroups.entries()) {
      const own = shown[i] ?? [];
      if (names.some((name) => !own.includes(name))) return this.memberships.judgeUserGroups('unusable');
      if (names.length) agreed = true;
    }
    if (agreed) this.memberships.judgeUserGroups('proven');
  }

  private lookUp(index: MemberIndex, user: ListedUser): string[] {
    const byId = index.get(user.id) ?? [];
    const byName = typeof user.userName === 'string' ? (index.get(user.userName) ?? []) : [];
    if (byName.length && !byId.length) this.memberships.memberValue = 'userName';
    return sorted([...byId, ...byName]);
  }

  /** The listing's member index: this worker's, while it is fresh, or read from the groups now. */
  private memberIndex(listingId: string): Promise<MemberIndex> {
    const now = Date.now();
    const kept = this.index;
    if (kept?.listing === listingId && now - kept.builtAt < INDEX_TTL_MS) return kept.members;
    const members = this.readMemberIndex();
    this.index = { listing: listingId, builtAt: now, members };
    members.catch(() => this.forget(listingId));
    return members;
  }

  private forget(listingId: string): void {
    if (this.index?.listing === listingId) this.index = undefined;
  }

  /** Every group's member list, read once: who is in which groups. */
  private async readMemberIndex(): Promise<MemberIndex> {
    const index: MemberIndex = new Map();
    const add = (key: string | undefined, name: string) => {
      if (!key) return;
      const names = index.get(key);
      if (!names) index.set(key, [name]);
      else if (!names.includes(name)) names.push(name);
    };
    await settleEach(await this.groups.all(), GROUP_READS_AT_ONCE, async (group) => {
      const { status, body } = await this.http.request(
        'GET',
        `/Groups/${encodeURIComponent(group.id)}?attributes=members`,
        { accept: [404] },
      );
      // Removed since it was listed: it gives nobody anything.
      if (status === 404) return;
      for (const member of (body as { members?: MemberRef[] } | undefined)?.members ?? []) {
        add(member.value, group.displayName);
        add(refId(member.$ref), group.displayName);
      }
    });
    return index;
  }
}

/** The User id at the end of a member's `$ref` (`…/Users/<id>`). */
function refId(ref: string | undefined): string | undefined {
  const id = /\/Users\/([^/?#]+)$/.exec(ref ?? '')?.[1];
  if (id === undefined) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

function asMember(user: ListedUser): Member {
  const userName = typeof user.userName === 'string' ? user.userName : '';
  return { id: user.id, userName, ...(Array.isArray(user.groups) ? { groups: user.groups } : {}) };
}

function sorted(names: string[]): string[] {
  return [...new Set(names)].sort();
}
