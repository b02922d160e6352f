// Paging through the accounts under a directory's usersDn so that any worker can ask for any page.
// The Simple Paged Results cookie (RFC 2696) belongs to the connection that began the search, so it
// cannot be the cursor: the next page may be asked for by another activity attempt, on another
// worker, over another connection. Server-side sorting (RFC 2891) would give an order that outlives a
// connection, but OpenLDAP has it only with the sssvlv overlay, which few directories load. So the
// order is jml's own: accounts sorted by their normalised DN, and the cursor is the last DN of the
// page before. Each page scans the DNs alone (no attribute values; paged over its own connection),
// keeps only the pageSize that follow the cursor (memory for one page, never the directory), and then
// reads just those entries. A page costs one DN per account of the application plus one read per
// account it lists: the DN scan is what placing a page costs where the directory keeps no order a
// client can resume from. Unlike an offset, a position by DN is not moved by accounts added or
// removed elsewhere; only an account renamed while the listing runs may be missed or seen twice.
import type { Client, Entry, Filter } from 'ldapts';
import { z } from 'zod';
import { settleEach } from '../concurrency';
import { checkPageSize, decodeCursor, encodeCursor } from '../listing-cursor';
import { escapeDnValue, parseDn } from './dn';
import { findEntry } from './entries';
import { hasCode, isTransient, RESULT, resultCode } from './result-codes';

/** Entries per round trip of the DN scan (Active Directory answers at most 1,000 at a time). */
const SCAN_PAGE = 500;
/** Entries of a page read at once over the connection. */
const READS_AT_ONCE = 16;

const CURSOR = z.strictObject({ k: z.literal('ldap'), after: z.string().min(1) });

export interface DirectoryPageOptions {
  appId: string;
  baseDn: string;
  /** What makes an entry under baseDn an account. */
  filter: Filter;
  /** What each listed entry is read with. */
  attributes: string[];
  cursor?: string;
  pageSize: number;
}

export interface DirectoryPage {
  /** The page's entries, in DN order; an entry removed between the scan and its read is left out. */
  entries: Entry[];
  next?: string;
  unverifiable?: string;
}

export async function directoryPage(client: Client, options: DirectoryPageOptions): Promise<DirectoryPage> {
  const { appId, baseDn } = options;
  const size = checkPageSize(appId, options.pageSize);
  const after = decodeCursor(appId, options.cursor, CURSOR)?.after;
  const following = new Following(size + 1);
  const referrals: string[] = [];
  try {
    const scan = client.searchPaginated(baseDn, {
      scope: 'sub',
      filter: options.filter,
      attributes: ['1.1'],
      paged: { pageSize: SCAN_PAGE },
    });
    for await (const result of scan) {
      for (const { dn } of result.searchEntries) {
        const key = dnKey(dn);
        if (after === undefined || key > after) following.add(key, dn);
      }
      referrals.push(...result.searchReferences);
    }
  } catch (error) {
    if (hasCode(error, RESULT.sizeLimitExceeded, RESULT.adminLimitExceeded)) {
      return {
        entries: [],
        unverifiable: `${appId}: the directory stopped listing the accounts under ${baseDn} at a size limit, so they cannot all be seen; let the bind DN read them all (OpenLDAP: limits dn.exact="<bind DN>" size=unlimited size.prtotal=unlimited)`,
      };
    }
    // A refusal (no such base, no access): the listing ends here. What a retry can get past is thrown.
    if (resultCode(error) === undefined || isTransient(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return {
      entries: [],
      unverifiable: `${appId}: the directory refused to list the accounts under ${baseDn} (${reason}), so the listing stops here`,
    };
  }
  const chosen = following.list();
  const page = chosen.slice(0, size);
  const entries = new Array<Entry | undefined>(page.length);
  await settleEach(
    page.map((item, i) => ({ ...item, i })),
    READS_AT_ONCE,
    async ({ dn, i }) => {
      entries[i] = await findEntry(client, dn, options.attributes);
    },
  );
  const last = page.at(-1);
  return {
    entries: entries.filter((entry) => entry !== undefined),
    ...(chosen.length > size && last ? { next: encodeCursor({ k: 'ldap', after: last.key }) } : {}),
    ...(referrals.length
      ? {
          unverifiable: `${appId}: the directory refers part of ${baseDn} to other servers (${[...new Set(referrals)].join(', ')}), whose accounts are not listed`,
        }
      : {}),
  };
}

/**
 * A DN as one string that sorts and compares the way the server compares DNs: attribute types and
 * values without case, escapes resolved and written one way.
 */
export function dnKey(dn: string): string {
  const rdns = parseDn(dn);
  if (!rdns) return dn.toLowerCase();
  return rdns.map((rdn) => `${rdn.type.toLowerCase()}=${escapeDnValue(rdn.value.toLowerCase())}`).join(',');
}

/** The `limit` smallest keys offered so far, in order, with their DNs. */
class Following {
  private readonly items: { key: string; dn: string }[] = [];

  constructor(private readonly limit: number) {}

  add(key: string, dn: string): void {
    const { items } = this;
    if (items.length === this.limit && key >= items[items.length - 1]!.key) return;
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (items[middle]!.key < key) low = middle + 1;
      else high = middle;
    }
    if (items[low]?.key === key) return;
    items.splice(low, 0, { key, dn });
    if (items.length > this.limit) items.pop();
  }

  list(): { key: string; dn: string }[] {
    return this.items;
  }
}
