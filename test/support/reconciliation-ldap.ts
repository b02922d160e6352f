// What a directory administrator does by hand in OpenLDAP, for the reconciliation tests: an entry
// added outside jml (with or without an employeeNumber), a lock lifted, a membership added or
// removed; and an entry read directly, as the administrator, without jml's connector.
import { AlreadyExistsError, Attribute, Change, type Client } from 'ldapts';
import { escapeDnValue } from '../../connectors/ldap/ldap-connector';
import { asAdmin, type SlapdServer } from './slapd';

/** One entry as the directory shows it: its owner, whether ppolicy locks it, and the groups naming it. */
export interface DirectoryEntry {
  owner?: string;
  locked: boolean;
  groups: string[];
}

export class LdapConsole {
  constructor(private readonly server: SlapdServer) {}

  private admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    return asAdmin(this.server, work);
  }

  /** The DN jml gives a userName's entry. */
  dnOf(userName: string): string {
    return `uid=${escapeDnValue(userName)},${this.server.usersDn}`;
  }

  private groupDn(group: string): string {
    return `cn=${escapeDnValue(group)},${this.server.groupsDn}`;
  }

  /**
   * An inetOrgPerson made by hand; without `employeeNumber` nobody is named as its owner. With `ou`, it
   * is made in that organizationalUnit below usersDn (created when missing), not where jml puts entries.
   */
  async addPerson(userName: string, employeeNumber?: string, ou?: string): Promise<string> {
    const parent = ou ? `ou=${escapeDnValue(ou)},${this.server.usersDn}` : this.server.usersDn;
    const dn = `uid=${escapeDnValue(userName)},${parent}`;
    await this.admin(async (client) => {
      if (ou) {
        try {
          await client.add(parent, { objectClass: ['top', 'organizationalUnit'], ou });
        } catch (error) {
          if (!(error instanceof AlreadyExistsError)) throw error;
        }
      }
      await client.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
        uid: userName,
        cn: userName,
        sn: 'ByHand',
        ...(employeeNumber ? { employeeNumber } : {}),
      });
    });
    return dn;
  }

  /** Lifts the ppolicy lock, as an administrator switching an account back on would. */
  async unlock(dn: string): Promise<void> {
    await this.admin((client) =>
      client.modify(
        dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) }),
      ),
    );
  }

  async addMember(group: string, dn: string): Promise<void> {
    await this.admin((client) =>
      client.modify(
        this.groupDn(group),
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
      ),
    );
  }

  async removeMember(group: string, dn: string): Promise<void> {
    await this.admin((client) =>
      client.modify(
        this.groupDn(group),
        new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [dn] }) }),
      ),
    );
  }

  /** The entry at the DN and the groupOfNames whose `member` names it, read from the groups themselves. */
  async entry(dn: string): Promise<DirectoryEntry | undefined> {
    return this.admin(async (client) => {
      const { searchEntries } = await client.search(dn, {
        scope: 'base',
        attributes: ['employeeNumber', 'pwdAccountLockedTime'],
      });
      const entry = searchEntries[0];
      if (!entry) return undefined;
      const groups = await client.search(this.server.groupsDn, {
        filter: `(&(objectClass=groupOfNames)(member=${dn}))`,
        attributes: ['cn'],
      });
      const owner = [entry.employeeNumber].flat()[0];
      return {
        ...(owner === undefined ? {} : { owner: String(owner) }),
        locked: [entry.pwdAccountLockedTime].flat().filter((v) => v !== undefined).length > 0,
        groups: groups.searchEntries.map((g) => String(g.cn)).sort(),
      };
    });
  }
}
