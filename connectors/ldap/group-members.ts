// Which groupOfNames under groupsDn each of a page's accounts is in, for directories whose entries
// do not show memberOf: one search of the groups per MEMBERS_PER_SEARCH accounts,
// `(&(objectClass=groupOfNames)(|(member=<dn1>)(member=<dn2>)…))`, with the Matched Values control so
// that each group found comes back with only those of the page's accounts it holds. A page costs a
// few searches and as many member values as the page's accounts have memberships, however many
// members the groups have; without the control, a search per account (`member=<dn>`, names only).
import { AndFilter, EqualityFilter, OrFilter, PresenceFilter, type Client, type Entry } from 'ldapts';
import { settleEach } from '../concurrency';
import { dnKey } from './directory-listing';
import { values } from './entries';
import { MatchedValuesControl } from './matched-values-control';
import { hasCode, RESULT } from './result-codes';

/** Accounts asked about in one search of the groups. */
const MEMBERS_PER_SEARCH = 50;
/** Searches per account at once, where the server does not take the control. */
const SEARCHES_AT_ONCE = 8;

const GROUP_CLASS = new EqualityFilter({ attribute: 'objectClass', value: 'groupOfNames' });
const CN_PRESENT = new PresenceFilter({ attribute: 'cn' });

/** Group names by the member's normalised DN (directory-listing.ts dnKey), sorted. */
export type GroupsByMember = Map<string, string[]>;

export async function groupsOfMembers(
  client: Client,
  groupsDn: string,
  members: string[],
  nameOf: (group: Entry) => string,
): Promise<GroupsByMember> {
  const found: GroupsByMember = new Map(members.map((dn) => [dnKey(dn), []]));
  const add = (member: string, group: Entry) => found.get(dnKey(member))?.push(nameOf(group));
  try {
    for (let i = 0; i < members.length; i += MEMBERS_PER_SEARCH) {
      const batch = members
        .slice(i, i + MEMBERS_PER_SEARCH)
        .map((dn) => new EqualityFilter({ attribute: 'member', value: dn }));
      // The control filters every attribute: the group's cn comes back only when it is named too.
      const groups = await search(
        client,
        groupsDn,
        new OrFilter({ filters: batch }),
        ['cn', 'member'],
        [new MatchedValuesControl([...batch, CN_PRESENT])],
      );
      for (const group of groups) for (const member of values(group, 'member')) add(member, group);
    }
  } catch (error) {
    if (!hasCode(error, RESULT.unavailableCriticalExtension)) throw error;
    found.forEach((names) => names.splice(0));
    await settleEach(members, SEARCHES_AT_ONCE, async (dn) => {
      const filter = new EqualityFilter({ attribute: 'member', value: dn });
      for (const group of await search(client, groupsDn, filter, ['cn'])) add(dn, group);
    });
  }
  for (const names of found.values()) names.sort();
  return found;
}

async function search(
  client: Client,
  groupsDn: string,
  members: EqualityFilter | OrFilter,
  attributes: string[],
  controls: MatchedValuesControl[] = [],
): Promise<Entry[]> {
  try {
    const filter = new AndFilter({ filters: [GROUP_CLASS, members] });
    const { searchEntries } = await client.search(groupsDn, { scope: 'sub', filter, attributes }, controls);
    return searchEntries;
  } catch (error) {
    if (hasCode(error, RESULT.noSuchObject)) return [];
    throw error;
  }
}
