// LDAP connector for Active Directory (`flavor: ad`): users are `user` objects named by sAMAccountName
// (`CN=<userName>,<usersDn>`, userPrincipalName `<userName>@<upnSuffix>`) and tied to the employee by
// employeeID (or employeeNumber); entitlements are `group` objects `CN=<entitlement>,<groupsDn>`,
// granted through the group's `member` and read back from the user's `memberOf`; disable sets
// userAccountControl's ACCOUNTDISABLE bit and keeps every other bit.
import { requestLimiterOf, type RequestLimiter } from '../request-limiter';
import { AndFilter, Attribute, Change, Control, EqualityFilter, NotFilter } from 'ldapts';
import type { Client, Entry } from 'ldapts';
import { unverifiableState, type AccountRef, type AppState } from '../../domain/app-state';
import type { LdapApplicationConfig } from '../../domain/config';
import type { AccountPage, AccountProfile, Connector, ListedAccount, ListOptions } from '../connector';
import { PermanentConnectorError, UnverifiableError } from '../errors';
import { stateOfNotOwn, type Ownership as OwnershipOf } from '../ownership';
import { entitlementsOf, isMemberOf, memberOfValues, visibleMemberOf } from './ad-memberships';
import { initialPassword, samAccountNameProblem, unicodePwd } from './ad-names';
import { directoryPage } from './directory-listing';
import { dnsDomainOf, domainDnOf, escapeDnValue, parentDn, parseDn } from './dn';
import { findEntry, memberChange, values } from './entries';
import { LdapSession } from './ldap-session';
import { hasCode, RESULT } from './result-codes';
import {
  formatUserAccountControl,
  isDisabled,
  NORMAL_ACCOUNT,
  parseUserAccountControl,
  withDisabled,
} from './user-account-control';

/** heldBy for an object with the person's sAMAccountName that is no user account (a group, a computer). */
const NOT_A_USER = 'another account';

/** The Tree Delete control (MS-ADTS 3.1.1.3.4.1.15): deletes an entry together with its children. */
const TREE_DELETE_CONTROL = '1.2.840.113556.1.4.805';

/** User accounts, and not computers (which are `user` objects too). */
const ACCOUNT_FILTER = new AndFilter({
  filters: [
    new EqualityFilter({ attribute: 'objectClass', value: 'user' }),
    new NotFilter({ filter: new EqualityFilter({ attribute: 'objectClass', value: 'computer' }) }),
  ],
});

/** Whose an account is: found by the DN jml recorded or by sAMAccountName, weighed by the owner attribute. */
type Ownership = OwnershipOf<{ dn: string; entry: Entry }, { dn: string }>;

export class ActiveDirectoryConnector implements Connector {
  readonly appId: string;
  private readonly session: LdapSession;
  private readonly ownerAttribute: 'employeeID' | 'employeeNumber';
  private readonly upnSuffix: string;
  /** Where sAMAccountName is unique: the whole domain, not only usersDn. */
  private readonly domainDn: string;

  readonly limiter: RequestLimiter;

  constructor(private readonly config: LdapApplicationConfig) {
    this.appId = config.id;
    this.limiter = requestLimiterOf(config);
    this.session = new LdapSession(config, this.limiter);
    this.ownerAttribute = config.ownerAttribute ?? 'employeeID';
    const suffix = config.upnSuffix ?? dnsDomainOf(config.usersDn);
    const domainDn = domainDnOf(config.usersDn);
    // The configuration schema refuses an AD usersDn without DC= parts unless upnSuffix is set.
    if (!suffix || !domainDn) {
      throw new PermanentConnectorError(`${config.id}: usersDn ${config.usersDn} names no domain (DC=…)`);
    }
    this.upnSuffix = suffix;
    this.domainDn = domainDn;
  }

  async ensureAccount(profile: AccountProfile): Promise<{ created: boolean; accountId: string }> {
    const problem = samAccountNameProblem(profile.userName);
    if (problem) {
      throw new PermanentConnectorError(
        `${this.appId}: "${profile.userName}" cannot be an Active Directory account name: ${problem}`,
      );
    }
    return this.session.run(`ensure account "${profile.userName}"`, async (client) => {
      const existing = await this.adoptable(client, profile);
      if (existing) return { created: false, accountId: await this.makeCurrent(client, existing, profile) };
      const dn = this.userDn(profile.userName);
      try {
        await client.add(dn, this.newUser(profile));
        return { created: true, accountId: dn };
      } catch (error) {
        if (!hasCode(error, RESULT.entryAlreadyExists)) throw error;
      }
      // An earlier attempt made it, or the name or the DN is taken: whose it is decides.
      const found =
        (await this.adoptable(client, { ...profile, accountId: undefined })) ??
        (await this.adoptable(client, { ...profile, accountId: dn }));
      if (!found) {
        throw new PermanentConnectorError(
          `${dn} cannot be created: its sAMAccountName "${profile.userName}" or userPrincipalName is taken by another directory object`,
        );
      }
      return { created: false, accountId: await this.makeCurrent(client, found, profile) };
    });
  }

  async grant(ref: AccountRef, entitlement: string): Promise<void> {
    await this.session.run(`grant "${entitlement}" to "${ref.userName}"`, async (client) => {
      const user = await this.own(client, ref);
      if (!user)
        throw new PermanentConnectorError(`no account of ${ref.employeeId} to grant "${entitlement}" to`);
      const group = this.groupDn(entitlement);
      if (isMemberOf(memberOfValues(user.entry), group)) return;
      try {
        await client.modify(group, memberChange('add', user.dn));
      } catch (error) {
        if (hasCode(error, RESULT.noSuchObject)) {
          throw new PermanentConnectorError(`group "${entitlement}" does not exist (${group})`, {
            cause: error,
          });
        }
        // AD answers entryAlreadyExists for a member already there (OpenLDAP: typeOrValueExists).
        if (!hasCode(error, RESULT.entryAlreadyExists, RESULT.typeOrValueExists)) throw error;
      }
    });
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    await this.session.run(`revoke "${entitlement}" from "${ref.userName}"`, async (client) => {
      const user = await this.own(client, ref);
      if (!user) return;
      const group = this.groupDn(entitlement);
      if (!isMemberOf(memberOfValues(user.entry), group)) return;
      try {
        await client.modify(group, memberChange('delete', user.dn));
      } catch (error) {
        // AD answers unwillingToPerform for a member that is not there, which it also says for other
        // refusals: success only once the user's memberOf confirms the membership is gone.
        if (!hasCode(error, RESULT.unwillingToPerform, RESULT.noSuchAttribute, RESULT.noSuchObject))
          throw error;
        const after = await this.own(client, ref);
        if (after && isMemberOf(memberOfValues(after.entry), group)) throw error;
      }
    });
  }

  async disable(ref: AccountRef): Promise<void> {
    await this.session.run(`disable "${ref.userName}"`, async (client) => {
      const user = await this.own(client, ref);
      if (user) await this.setDisabled(client, user, true);
    });
  }

  async delete(ref: AccountRef): Promise<void> {
    await this.session.run(`delete "${ref.userName}"`, async (client) => {
      const user = await this.own(client, ref);
      if (!user) return;
      // AD removes the user from every group's member itself when the object goes.
      try {
        await client.del(user.dn);
      } catch (error) {
        if (hasCode(error, RESULT.noSuchObject)) return;
        if (!hasCode(error, RESULT.notAllowedOnNonLeaf)) throw error;
        // Objects AD or other tools keep under a user (e.g. mobile device registrations) go with it.
        await client
          .del(user.dn, new Control(TREE_DELETE_CONTROL, { critical: true }))
          .catch((e: unknown) => {
            if (!hasCode(e, RESULT.noSuchObject)) throw e;
          });
      }
    });
  }

  terminateSessions(_ref: AccountRef): Promise<number> {
    // AD has no session an administrator can end over LDAP: Kerberos tickets already issued stay valid
    // until they expire (10 hours by default); the disabled account gets no new ones.
    return Promise.resolve(0);
  }

  async readState(ref: AccountRef): Promise<AppState> {
    const read = this.session.run(`read "${ref.userName}"`, async (client) => {
      const found = await this.ownership(client, ref);
      if (found.kind !== 'own') return stateOfNotOwn(found, null, ({ dn }) => this.unownedProblem(dn, ref));
      return {
        exists: true,
        active: !isDisabled(this.flagsOf(found)),
        entitlements: entitlementsOf(memberOfValues(found.entry), this.config.groupsDn),
        openSessions: null,
        accountId: found.dn,
      };
    });
    // What the account shows could not all be seen: that is the read-back, not a failure to read.
    return read.catch((error: unknown) => {
      if (error instanceof UnverifiableError) return unverifiableState(error.message);
      throw error;
    });
  }

  /**
   * Lists the user objects under usersDn (computers left out) a page at a time in DN order
   * (directory-listing.ts), each with its owner attribute, whether userAccountControl disables it,
   * and its groups under groupsDn from its own memberOf, which comes with the entry: no group is
   * searched. An account whose memberOf comes in ranges, or whose userAccountControl cannot be read,
   * is listed with what it shows, and the page says what could not be seen.
   */
  async listAccounts(options: ListOptions): Promise<AccountPage> {
    return this.session.run('list accounts', async (client) => {
      const page = await directoryPage(client, {
        appId: this.appId,
        baseDn: this.config.usersDn,
        filter: ACCOUNT_FILTER,
        attributes: this.attributes(),
        cursor: options.cursor,
        pageSize: options.pageSize,
      });
      const problems = page.unverifiable ? [page.unverifiable] : [];
      const accounts = page.entries.map((entry) => this.listed(entry, problems));
      return {
        accounts,
        ...(page.next ? { next: page.next } : {}),
        ...(problems.length ? { unverifiable: problems.join('; ') } : {}),
      };
    });
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** One listed user; what it does not show is added to `problems`. */
  private listed(entry: Entry, problems: string[]): ListedAccount {
    const memberOf = visibleMemberOf(entry);
    if (memberOf.ranged) {
      problems.push(
        `${entry.dn} is in more groups than the server returns at once (${memberOf.ranged}): not all of its memberships are listed`,
      );
    }
    let active = true;
    try {
      active = !isDisabled(this.flagsOf({ dn: entry.dn, entry }));
    } catch (error) {
      if (!(error instanceof UnverifiableError)) throw error;
      // Not shown to be disabled: listed as able to sign in.
      problems.push(error.message);
    }
    const ownerId = values(entry, this.ownerAttribute)[0];
    return {
      accountId: entry.dn,
      userName: values(entry, 'sAMAccountName')[0] ?? parseDn(entry.dn)?.[0]?.value ?? entry.dn,
      ...(ownerId ? { ownerId } : {}),
      active,
      entitlements: entitlementsOf(memberOf.dns, this.config.groupsDn),
    };
  }

  private userDn(userName: string): string {
    return `CN=${escapeDnValue(userName)},${this.config.usersDn}`;
  }

  private groupDn(entitlement: string): string {
    return `CN=${escapeDnValue(entitlement)},${this.config.groupsDn}`;
  }

  /**
   * A new, enabled account. AD enables an account only with a password its policy accepts, and takes
   * one only over an encrypted connection (the configuration insists on ldaps://): it gets a random
   * one that is never logged or kept, and the person's own comes from the organisation's reset process.
   */
  private newUser(profile: AccountProfile): Attribute[] {
    const text: Record<string, string> = {
      cn: profile.userName,
      sAMAccountName: profile.userName,
      userPrincipalName: `${profile.userName}@${this.upnSuffix}`,
      givenName: profile.givenName,
      sn: profile.familyName,
      displayName: `${profile.givenName} ${profile.familyName}`.trim(),
      mail: profile.email,
      [this.ownerAttribute]: profile.employeeId,
      userAccountControl: formatUserAccountControl(NORMAL_ACCOUNT),
    };
    return [
      new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
      // AD refuses empty values: an attribute HR left blank is left out.
      ...Object.entries(text)
        .filter(([, value]) => value !== '')
        .map(([type, value]) => new Attribute({ type, values: [value] })),
      new Attribute({ type: 'unicodePwd', values: [unicodePwd(initialPassword())] }),
    ];
  }

  /**
   * Whose the person's account is: the entry at the DN jml recorded when it is theirs, else the user
   * with their sAMAccountName anywhere in the domain (AD keeps it unique there, and an administrator
   * may have moved the account to another OU), weighed by the owner attribute.
   */
  private async ownership(client: Client, ref: AccountRef): Promise<Ownership> {
    const recorded = ref.accountId ? await findEntry(client, ref.accountId, this.attributes()) : undefined;
    const atRecorded = recorded ? this.whose(recorded, ref) : undefined;
    if (atRecorded?.kind === 'own') return atRecorded;
    const named = await this.bySamAccountName(client, ref.userName);
    if (named) return this.whose(named, ref);
    return atRecorded ?? { kind: 'none' };
  }

  private whose(entry: Entry, ref: AccountRef): Ownership {
    const classes = values(entry, 'objectClass').map((c) => c.toLowerCase());
    // Groups and computers share the sAMAccountName namespace with users; they are nobody's account.
    if (!classes.includes('user') || classes.includes('computer')) {
      return { kind: 'other', owner: NOT_A_USER };
    }
    const owners = values(entry, this.ownerAttribute);
    if (owners.includes(ref.employeeId)) return { kind: 'own', dn: entry.dn, entry };
    return owners.length ? { kind: 'other', owner: owners.join(', ') } : { kind: 'unowned', dn: entry.dn };
  }

  private async bySamAccountName(client: Client, userName: string): Promise<Entry | undefined> {
    const { searchEntries } = await client.search(this.domainDn, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: 'sAMAccountName', value: userName }),
      attributes: this.attributes(),
    });
    if (searchEntries.length > 1) {
      throw new UnverifiableError(
        `${searchEntries.length} objects have sAMAccountName "${userName}": jml cannot tell which is the account`,
      );
    }
    return searchEntries[0];
  }

  private attributes(): string[] {
    return [
      this.ownerAttribute,
      'objectClass',
      'sAMAccountName',
      'userPrincipalName',
      'userAccountControl',
      'memberOf',
    ];
  }

  /** The person's own account; undefined when there is none (or only someone else's). */
  private async own(client: Client, ref: AccountRef): Promise<{ dn: string; entry: Entry } | undefined> {
    const found = await this.ownership(client, ref);
    if (found.kind === 'own') return found;
    if (found.kind === 'unowned') throw new UnverifiableError(this.unownedProblem(found.dn, ref));
    return undefined;
  }

  /** The existing account ensureAccount may take over: the person's own; refuses anyone else's. */
  private async adoptable(
    client: Client,
    profile: AccountProfile,
  ): Promise<{ dn: string; entry: Entry } | undefined> {
    const found = await this.ownership(client, profile);
    if (found.kind === 'none') return undefined;
    if (found.kind === 'own') return found;
    if (found.kind === 'unowned') throw new PermanentConnectorError(this.unownedProblem(found.dn, profile));
    if (found.owner === NOT_A_USER) {
      throw new PermanentConnectorError(
        `"${profile.userName}" in ${this.appId} is the sAMAccountName of a group or computer, not of a user account: refusing to adopt it`,
      );
    }
    throw new PermanentConnectorError(
      `the account "${profile.userName}" in ${this.appId} already exists with ${this.ownerAttribute} ${found.owner}, not ${profile.employeeId}: refusing to adopt another person's account`,
    );
  }

  /**
   * Brings the person's account in line with their profile: a changed userName renames it (names
   * first, then the CN, in the OU it is in, so a retry after either step finds it by the DN or the
   * name) and a disabled account is enabled. AD rewrites every group's member on a rename itself.
   */
  private async makeCurrent(
    client: Client,
    account: { dn: string; entry: Entry },
    profile: AccountProfile,
  ): Promise<string> {
    const upn = `${profile.userName}@${this.upnSuffix}`;
    const names: Change[] = [];
    if (values(account.entry, 'sAMAccountName')[0] !== profile.userName)
      names.push(replace('sAMAccountName', profile.userName));
    if (values(account.entry, 'userPrincipalName')[0] !== upn) names.push(replace('userPrincipalName', upn));
    if (names.length) await this.renameOrRefuse(client, account.dn, () => client.modify(account.dn, names));
    let dn = account.dn;
    if (parseDn(dn)?.[0]?.value !== profile.userName) {
      const rdn = `CN=${escapeDnValue(profile.userName)}`;
      await this.renameOrRefuse(client, dn, () => client.modifyDN(dn, rdn));
      dn = `${rdn},${parentDn(dn)}`;
    }
    await this.setDisabled(client, { dn, entry: account.entry }, false);
    return dn;
  }

  private async renameOrRefuse(client: Client, dn: string, rename: () => Promise<void>): Promise<void> {
    try {
      await rename();
    } catch (error) {
      if (!hasCode(error, RESULT.entryAlreadyExists)) throw error;
      throw new PermanentConnectorError(
        `cannot rename ${dn}: the new name is taken by another directory object`,
        {
          cause: error,
        },
      );
    }
  }

  /** Sets or clears ACCOUNTDISABLE, keeping every other flag; nothing is written when it is as wanted. */
  private async setDisabled(
    client: Client,
    user: { dn: string; entry: Entry },
    disabled: boolean,
  ): Promise<void> {
    const flags = this.flagsOf(user);
    if (isDisabled(flags) === disabled) return;
    try {
      await client.modify(
        user.dn,
        replace('userAccountControl', formatUserAccountControl(withDisabled(flags, disabled))),
      );
    } catch (error) {
      if (disabled && hasCode(error, RESULT.noSuchObject)) return;
      throw error;
    }
  }

  private flagsOf(user: { dn: string; entry: Entry }): number {
    const raw = values(user.entry, 'userAccountControl')[0];
    const flags = parseUserAccountControl(raw);
    if (flags === undefined) {
      throw new UnverifiableError(
        `${user.dn} shows no readable userAccountControl (${raw ?? 'none'}): jml cannot tell whether it is enabled`,
      );
    }
    return flags;
  }

  private unownedProblem(dn: string, ref: AccountRef): string {
    return `${dn} exists without ${this.ownerAttribute}, so jml cannot show it is ${ref.employeeId}'s and does not touch it; set its ${this.ownerAttribute} to ${ref.employeeId} if it is theirs, or rename or remove it`;
  }
}

function replace(type: string, value: string): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
}
