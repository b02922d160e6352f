// LDAP connector for OpenLDAP: users are inetOrgPerson entries `uid=<userName>,<usersDn>`, entitlements
// are groupOfNames entries `cn=<entitlement>,<groupsDn>` whose `member` values are user DNs, and a
// disabled account carries the ppolicy lock `pwdAccountLockedTime`. The account is addressed by the DN
// jml recorded; changes to the entry itself assert its employeeNumber (assertion-control.ts), and a
// person's groups are read from their entry's memberOf once the server has shown it keeps it.
import { requestLimiterOf, type RequestLimiter } from '../request-limiter';
import { AndFilter, Attribute, Change, EqualityFilter, OrFilter, PresenceFilter } from 'ldapts';
import type { Client, Entry, Filter } from 'ldapts';
import type { AccountRef, AppState, ReadOptions } from '../../domain/app-state';
import type { LdapApplicationConfig } from '../../domain/config';
import type { AccountPage, AccountProfile, Connector, ListedAccount, ListOptions } from '../connector';
import { stateOfNotOwn, type Ownership as OwnershipOf } from '../ownership';
import { settleEach } from '../concurrency';
import { PermanentConnectorError, TransientConnectorError, UnverifiableError } from '../errors';
import { entitlementsOf, memberOfValues } from './ad-memberships';
import { isAssertionFailed, onlyIf } from './assertion-control';
import { directoryPage, dnKey } from './directory-listing';
import { escapeDnValue, parseDn, sameDn } from './dn';
import { findEntry, memberChange, values } from './entries';
import { groupsOfMembers, type GroupsByMember } from './group-members';
import { LdapSession } from './ldap-session';
import { hasCode, isTransient, RESULT, resultCode } from './result-codes';

export { escapeDnValue } from './dn';

/**
 * What an emptied group keeps as its only member. groupOfNames makes `member` mandatory, so removing
 * the last real member must put something in its place. The empty DN (the root DSE) is used rather
 * than the group's own DN or the bind DN: it names no account, so it grants nothing to anyone, it
 * cannot create a membership loop for tools that expand nested groups, and no user DN ever equals it,
 * so readState (which matches members against the user's DN) can never report it. grant removes it
 * again once the group has a real member.
 */
export const GROUP_PLACEHOLDER_MEMBER = '';

/** ppolicy's value for "locked until an administrator unlocks it". */
const PERMANENT_LOCK = '000001010000Z';
const LOCK_ATTRIBUTE = 'pwdAccountLockedTime';
const OWNER_ATTRIBUTE = 'employeeNumber';
/** What a reading of the person's entry asks for: owner, lock and (where the memberof overlay keeps it) groups. */
const ENTRY_ATTRIBUTES = [OWNER_ATTRIBUTE, LOCK_ATTRIBUTE, 'memberOf'];
/** Membership changes under way at once for one account. */
const MEMBERSHIP_CONCURRENCY = 8;
/**
 * What makes an entry under usersDn an account: a person (inetOrgPerson and its kin), an `account`,
 * anything with a uid, or an entry that can bind with a password (service accounts).
 */
const ACCOUNT_FILTER = new OrFilter({
  filters: [
    new EqualityFilter({ attribute: 'objectClass', value: 'person' }),
    new EqualityFilter({ attribute: 'objectClass', value: 'account' }),
    new EqualityFilter({ attribute: 'objectClass', value: 'simpleSecurityObject' }),
    new PresenceFilter({ attribute: 'uid' }),
  ],
});
const LISTED_ATTRIBUTES = ['uid', ...ENTRY_ATTRIBUTES];
const LOCK = new Change({
  operation: 'replace',
  modification: new Attribute({ type: LOCK_ATTRIBUTE, values: [PERMANENT_LOCK] }),
});

/** Whose the entry at the person's DN is, by its employeeNumber. */
type Ownership = OwnershipOf<{ dn: string; entry: Entry }, { dn: string }>;

export class LdapConnector implements Connector {
  readonly appId: string;
  private readonly session: LdapSession;
  /**
   * Whether entries' memberOf lists their groups (the memberof overlay), learned by comparing it once
   * with a search of the groups; until then, and where it does not, the groups are searched.
   */
  private memberOfKept: boolean | undefined;

  readonly limiter: RequestLimiter;

  constructor(private readonly config: LdapApplicationConfig) {
    this.appId = config.id;
    this.limiter = requestLimiterOf(config);
    this.session = new LdapSession(config, this.limiter);
  }

  async ensureAccount(profile: AccountProfile): Promise<{ created: boolean; accountId: string }> {
    return this.run(`ensure account "${profile.userName}"`, async (client) => {
      const dn = this.userDn(profile.userName);
      if (profile.accountId && !sameDn(profile.accountId, dn)) {
        const renamed = await this.rename(client, profile, dn);
        if (renamed) return { created: false, accountId: renamed };
      }
      try {
        await client.add(dn, this.userAttributes(profile));
        return { created: true, accountId: dn };
      } catch (error) {
        if (!hasCode(error, RESULT.entryAlreadyExists)) throw error;
      }
      await this.adopt(client, dn, profile);
      return { created: false, accountId: dn };
    });
  }

  async grant(ref: AccountRef, entitlement: string): Promise<void> {
    await this.run(`grant "${entitlement}" to "${ref.userName}"`, async (client) => {
      // The recorded DN is the person's entry (jml created or adopted it): a group change names it as it is.
      const user = ref.accountId ?? (await this.ownDn(client, ref));
      if (!user)
        throw new PermanentConnectorError(`no account of ${ref.employeeId} to grant "${entitlement}" to`);
      const group = this.groupDn(entitlement);
      try {
        await client.modify(group, memberChange('add', user));
      } catch (error) {
        if (hasCode(error, RESULT.noSuchObject)) {
          throw new PermanentConnectorError(`group "${entitlement}" does not exist (${group})`, {
            cause: error,
          });
        }
        if (!hasCode(error, RESULT.typeOrValueExists)) throw error;
      }
      await this.removePlaceholder(client, group);
    });
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    await this.run(`revoke "${entitlement}" from "${ref.userName}"`, async (client) => {
      const user = ref.accountId ?? (await this.ownDn(client, ref));
      if (user) await this.removeMember(client, this.groupDn(entitlement), user);
    });
  }

  async disable(ref: AccountRef): Promise<void> {
    await this.run(`disable "${ref.userName}"`, async (client) => {
      if (ref.accountId && (await this.lock(client, ref.accountId, ref.employeeId)) === 'locked') return;
      const user = await this.ownDn(client, ref);
      if (user) await this.lock(client, user, ref.employeeId);
    });
  }

  /**
   * Locks the entry at the recorded DN and reads it in the same round trip: the lock asserts the
   * entry's employeeNumber, so it is never applied to an entry that is not the person's. Otherwise
   * (no recorded DN, an entry gone or someone else's) the entry is read first and locked only once
   * it is shown to be theirs.
   */
  async disableAndRead(ref: AccountRef): Promise<AppState> {
    return this.run(`disable "${ref.userName}"`, async (client) => {
      if (ref.accountId) {
        const [locked, entry] = await Promise.all([
          this.lock(client, ref.accountId, ref.employeeId),
          findEntry(client, ref.accountId, ENTRY_ATTRIBUTES),
        ]);
        if (locked === 'locked' && entry)
          return this.ownState(client, entry.dn || ref.accountId, entry, true);
      }
      const found = await this.ownership(client, ref);
      if (found.kind !== 'own') return stateOfNotOwn(found, null, ({ dn }) => unownedProblem(dn, ref));
      await this.lock(client, found.dn, ref.employeeId);
      return this.ownState(client, found.dn, found.entry, true);
    });
  }

  async delete(ref: AccountRef): Promise<void> {
    const state = await this.readState(ref);
    if (state.accountId) await this.deleteAccount({ ...ref, accountId: state.accountId }, state.entitlements);
  }

  /**
   * Removes the memberships (first, so no group is left naming a DN a later entry may take) and then
   * the entry, asserting its employeeNumber. A retry after the entry is gone still cleans the groups.
   */
  async deleteAccount(ref: AccountRef, held: string[]): Promise<void> {
    await this.run(`delete "${ref.userName}"`, async (client) => {
      const dn = ref.accountId ?? (await this.ownDn(client, ref));
      if (!dn) return;
      await settleEach(held, MEMBERSHIP_CONCURRENCY, (e) => this.removeMember(client, this.groupDn(e), dn));
      try {
        await client.del(dn, onlyIf(OWNER_ATTRIBUTE, ref.employeeId));
      } catch (error) {
        // Gone already, or no longer the person's entry: then it is not removed (the read-back says whose it is).
        if (!hasCode(error, RESULT.noSuchObject) && !isAssertionFailed(error)) throw error;
      }
    });
  }

  terminateSessions(_ref: AccountRef): Promise<number> {
    // LDAP binds are per-connection authentications, not sessions an administrator can end.
    return Promise.resolve(0);
  }

  async readState(ref: AccountRef, _options?: ReadOptions): Promise<AppState> {
    return this.run(`read "${ref.userName}"`, async (client) => {
      const found = await this.ownership(client, ref);
      if (found.kind !== 'own') return stateOfNotOwn(found, null, ({ dn }) => unownedProblem(dn, ref));
      return this.ownState(client, found.dn, found.entry, values(found.entry, LOCK_ATTRIBUTE).length === 0);
    });
  }

  /**
   * Lists the accounts under usersDn a page at a time in DN order (directory-listing.ts), each with
   * its employeeNumber, whether it carries the ppolicy lock, and the groups it is in: from memberOf
   * once that has matched a search of the groups, else from one search of the groups per fifty of
   * the page's accounts that answers with only their memberships (group-members.ts), never a group's
   * whole member list.
   */
  async listAccounts(options: ListOptions): Promise<AccountPage> {
    return this.run('list accounts', async (client) => {
      const page = await directoryPage(client, {
        appId: this.appId,
        baseDn: this.config.usersDn,
        filter: ACCOUNT_FILTER,
        attributes: LISTED_ATTRIBUTES,
        cursor: options.cursor,
        pageSize: options.pageSize,
      });
      const held = await this.entitlementsOfPage(client, page.entries);
      const unverifiable = [page.unverifiable, held.problem].filter((p) => p !== undefined).join('; ');
      return {
        accounts: page.entries.map((entry, i) => this.listed(entry, held.byEntry[i] ?? [])),
        ...(page.next ? { next: page.next } : {}),
        ...(unverifiable ? { unverifiable } : {}),
      };
    });
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private listed(entry: Entry, entitlements: string[]): ListedAccount {
    const rdn = parseDn(entry.dn)?.[0];
    const uids = values(entry, 'uid');
    const named = rdn?.type.toLowerCase() === 'uid' ? rdn.value : undefined;
    const ownerId = values(entry, OWNER_ATTRIBUTE)[0];
    return {
      accountId: entry.dn,
      userName: named ?? uids[0] ?? rdn?.value ?? entry.dn,
      ...(ownerId ? { ownerId } : {}),
      active: values(entry, LOCK_ATTRIBUTE).length === 0,
      entitlements,
    };
  }

  /**
   * The groups of each entry of a page, as entitlementsOf finds them for one. Where the directory
   * refuses the search of the groups, the page says so and shows what memberOf shows.
   */
  private async entitlementsOfPage(
    client: Client,
    entries: Entry[],
  ): Promise<{ byEntry: string[][]; problem?: string }> {
    const fromMemberOf = entries.map((entry) => entitlementsOf(memberOfValues(entry), this.config.groupsDn));
    if (this.memberOfKept || entries.length === 0) return { byEntry: fromMemberOf };
    let found: GroupsByMember;
    try {
      found = await groupsOfMembers(
        client,
        this.config.groupsDn,
        entries.map((entry) => entry.dn),
        (group) => this.entitlementName(group),
      );
    } catch (error) {
      if (resultCode(error) === undefined || isTransient(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      return {
        byEntry: fromMemberOf,
        problem: `${this.appId}: the directory refused the search of the groups under ${this.config.groupsDn} (${reason}), so these accounts' memberships are not known`,
      };
    }
    const searched = entries.map((entry) => found.get(dnKey(entry.dn)) ?? []);
    if (this.memberOfKept === undefined && searched.some((names) => names.length)) {
      this.memberOfKept = searched.every((names, i) => names.join('\n') === fromMemberOf[i]!.join('\n'));
    }
    return { byEntry: searched };
  }

  private userDn(userName: string): string {
    return `uid=${escapeDnValue(userName)},${this.config.usersDn}`;
  }

  private groupDn(entitlement: string): string {
    return `cn=${escapeDnValue(entitlement)},${this.config.groupsDn}`;
  }

  private userAttributes(profile: AccountProfile): Record<string, string[]> {
    return {
      objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
      uid: [profile.userName],
      cn: [`${profile.givenName} ${profile.familyName}`.trim()],
      sn: [profile.familyName],
      givenName: [profile.givenName],
      mail: [profile.email],
      employeeNumber: [profile.employeeId],
    };
  }

  /**
   * Whose the person's entry is: the DN jml recorded, else `uid=<userName>`, weighed by employeeNumber
   * (jml writes it on every entry it creates, so an entry without it is not provably anyone's); where
   * no DN was recorded and `uid=<userName>` holds no entry, the one under usersDn that carries their
   * employeeNumber. A recorded DN that holds nothing is what a removed entry leaves: no search then.
   */
  private async ownership(
    client: Client,
    ref: AccountRef,
    elsewhere = ref.accountId === undefined,
  ): Promise<Ownership> {
    const dn = ref.accountId ?? this.userDn(ref.userName);
    const entry = await findEntry(client, dn, ENTRY_ATTRIBUTES);
    if (!entry) {
      if (ref.accountId && !sameDn(ref.accountId, this.userDn(ref.userName))) {
        return this.ownership(client, { ...ref, accountId: undefined }, elsewhere);
      }
      return elsewhere ? this.ownedElsewhere(client, ref.employeeId) : { kind: 'none' };
    }
    const owners = values(entry, OWNER_ATTRIBUTE);
    if (owners.includes(ref.employeeId)) return { kind: 'own', dn: entry.dn || dn, entry };
    return owners.length ? { kind: 'other', owner: owners.join(', ') } : { kind: 'unowned', dn };
  }

  /**
   * The person's entry where jml did not put it, found by its employeeNumber anywhere under usersDn
   * (made or moved there by hand: under another RDN, in an OU below). A listing shows such an entry
   * as theirs, so a leaver — a reconciliation's termination of an orphan among them — must reach it
   * too. Of several, the first by DN.
   */
  private async ownedElsewhere(client: Client, employeeId: string): Promise<Ownership> {
    const filter = new AndFilter({
      filters: [ACCOUNT_FILTER, new EqualityFilter({ attribute: OWNER_ATTRIBUTE, value: employeeId })],
    });
    try {
      const { searchEntries } = await client.search(this.config.usersDn, {
        scope: 'sub',
        filter,
        attributes: ENTRY_ATTRIBUTES,
      });
      const [entry] = searchEntries.sort((a, b) => (dnKey(a.dn) < dnKey(b.dn) ? -1 : 1));
      return entry ? { kind: 'own', dn: entry.dn, entry } : { kind: 'none' };
    } catch (error) {
      if (hasCode(error, RESULT.noSuchObject)) return { kind: 'none' };
      throw error;
    }
  }

  /** The DN of the person's own entry; undefined when there is none (or only someone else's). */
  private async ownDn(client: Client, ref: AccountRef): Promise<string | undefined> {
    const found = await this.ownership(client, ref);
    if (found.kind === 'own') return found.dn;
    if (found.kind === 'unowned') throw new UnverifiableError(unownedProblem(found.dn, ref));
    return undefined;
  }

  /**
   * The person's userName changed: the entry jml recorded moves to the new DN (so no account is left
   * behind under the old name), and the groups that named the old DN name the new one.
   * Undefined when the recorded entry is gone or is not the person's.
   */
  private async rename(client: Client, profile: AccountProfile, newDn: string): Promise<string | undefined> {
    const oldDn = profile.accountId!;
    const found = await this.ownership(client, { ...profile, accountId: oldDn });
    if (found.kind !== 'own' || !sameDn(found.dn, oldDn)) return undefined;
    const groups = await this.groupsOf(client, oldDn);
    try {
      await client.modifyDN(oldDn, newDn);
    } catch (error) {
      if (hasCode(error, RESULT.entryAlreadyExists)) {
        throw new PermanentConnectorError(`cannot rename ${oldDn} to ${newDn}: that entry exists already`, {
          cause: error,
        });
      }
      throw error;
    }
    for (const group of groups) {
      await client.modify(group.dn, [memberChange('add', newDn), memberChange('delete', oldDn)]);
    }
    return newDn;
  }

  /** Takes over an existing entry only when it provably belongs to the same person, then unlocks it. */
  private async adopt(client: Client, dn: string, profile: AccountProfile): Promise<void> {
    const found = await this.ownership(client, { ...profile, accountId: dn });
    if (found.kind === 'none')
      throw new TransientConnectorError(`${dn} was removed while it was being adopted`);
    if (found.kind === 'unowned') throw new PermanentConnectorError(unownedProblem(dn, profile));
    if (found.kind === 'other') {
      throw new PermanentConnectorError(
        `${dn} already exists with employeeNumber ${found.owner}, not ${profile.employeeId}: refusing to adopt another person's account`,
      );
    }
    if (values(found.entry, LOCK_ATTRIBUTE).length) await this.unlock(client, dn);
  }

  /** The person's own entry as a reading. */
  private async ownState(client: Client, dn: string, entry: Entry, active: boolean): Promise<AppState> {
    const entitlements = await this.entitlementsOf(client, dn, entry);
    return { exists: true, active, entitlements, openSessions: null, accountId: dn };
  }

  /** The groups the entry is in: from its memberOf once that has matched a search of the groups. */
  private async entitlementsOf(client: Client, dn: string, entry: Entry): Promise<string[]> {
    const fromMemberOf = entitlementsOf(memberOfValues(entry), this.config.groupsDn);
    if (this.memberOfKept) return fromMemberOf;
    const searched = (await this.groupsOf(client, dn)).map((g) => this.entitlementName(g)).sort();
    // Only a non-empty answer shows anything: an empty memberOf may mean no groups or no overlay.
    if (this.memberOfKept === undefined && searched.length) {
      this.memberOfKept = searched.join('\n') === fromMemberOf.join('\n');
    }
    return searched;
  }

  /**
   * Locks the entry if its employeeNumber is the person's (asserted in the same request); 'other' when
   * it is not (nothing changed), 'gone' when there is no such entry.
   */
  private async lock(client: Client, dn: string, employeeId: string): Promise<'locked' | 'other' | 'gone'> {
    try {
      await client.modify(dn, LOCK, onlyIf(OWNER_ATTRIBUTE, employeeId));
      return 'locked';
    } catch (error) {
      if (hasCode(error, RESULT.noSuchObject)) return 'gone';
      if (isAssertionFailed(error)) return 'other';
      throw error;
    }
  }

  private async unlock(client: Client, dn: string): Promise<void> {
    try {
      await client.modify(
        dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: LOCK_ATTRIBUTE }) }),
      );
    } catch (error) {
      if (!hasCode(error, RESULT.noSuchAttribute)) throw error;
    }
  }

  /** Removes one member; absence is success, and the last member is swapped for the placeholder. */
  private async removeMember(client: Client, group: string, member: string): Promise<void> {
    try {
      await client.modify(group, memberChange('delete', member));
    } catch (error) {
      if (hasCode(error, RESULT.noSuchAttribute, RESULT.noSuchObject)) return;
      if (!hasCode(error, RESULT.objectClassViolation)) throw error;
      await this.replaceLastMember(client, group, member);
    }
  }

  /** One modify request, so the group is never without a member, even for a moment. */
  private async replaceLastMember(client: Client, group: string, member: string): Promise<void> {
    try {
      await client.modify(group, [
        memberChange('delete', member),
        memberChange('add', GROUP_PLACEHOLDER_MEMBER),
      ]);
    } catch (error) {
      // Someone else removed the member, or the placeholder is already there alongside it.
      if (hasCode(error, RESULT.noSuchAttribute, RESULT.noSuchObject)) return;
      if (!hasCode(error, RESULT.typeOrValueExists)) throw error;
      await this.deleteMemberIfPresent(client, group, member);
    }
  }

  private async deleteMemberIfPresent(client: Client, group: string, member: string): Promise<void> {
    try {
      await client.modify(group, memberChange('delete', member));
    } catch (error) {
      if (!hasCode(error, RESULT.noSuchAttribute, RESULT.noSuchObject)) throw error;
    }
  }

  private async removePlaceholder(client: Client, group: string): Promise<void> {
    try {
      await client.modify(group, memberChange('delete', GROUP_PLACEHOLDER_MEMBER));
    } catch (error) {
      // Absent already, or it is the only member left because the new member was revoked meanwhile.
      if (!hasCode(error, RESULT.noSuchAttribute, RESULT.objectClassViolation)) throw error;
    }
  }

  private async groupsOf(client: Client, memberDn: string): Promise<Entry[]> {
    const filter: Filter = new AndFilter({
      filters: [
        new EqualityFilter({ attribute: 'objectClass', value: 'groupOfNames' }),
        new EqualityFilter({ attribute: 'member', value: memberDn }),
      ],
    });
    try {
      const { searchEntries } = await client.search(this.config.groupsDn, {
        scope: 'sub',
        filter,
        attributes: ['cn'],
      });
      return searchEntries;
    } catch (error) {
      if (hasCode(error, RESULT.noSuchObject)) return [];
      throw error;
    }
  }

  /** The cn the group is named by, even when the entry carries several cn values. */
  private entitlementName(group: Entry): string {
    const names = values(group, 'cn');
    return names.find((name) => sameDn(this.groupDn(name), group.dn)) ?? names[0] ?? group.dn;
  }

  private run<T>(what: string, work: (client: Client) => Promise<T>): Promise<T> {
    return this.session.run(what, work);
  }
}

function unownedProblem(dn: string, ref: AccountRef): string {
  return `${dn} exists without employeeNumber, so jml cannot show it is ${ref.employeeId}'s and does not touch it; set its employeeNumber to ${ref.employeeId} if it is theirs, or rename or remove it`;
}
