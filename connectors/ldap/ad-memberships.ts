// Which of jml's entitlements an Active Directory user holds, read from the user's own memberOf: one
// read instead of a search through the groups, and AD keeps it in step with every group's member.
import type { Entry } from 'ldapts';
import { UnverifiableError } from '../errors';
import { parentDn, parseDn, sameDn } from './dn';

/**
 * The DNs of the groups the entry is a direct member of. AD hands over a long memberOf in ranges
 * (`memberOf;range=0-1499`) when it exceeds the server's MaxValRange; what came back is then not all
 * of it, so it is never taken for the whole list.
 */
export function memberOfValues(entry: Entry): string[] {
  const { dns, ranged } = visibleMemberOf(entry);
  if (ranged) {
    throw new UnverifiableError(
      `${entry.dn} is in more groups than the server returns at once (${ranged}): jml cannot see all of its memberships`,
    );
  }
  return dns;
}

/** The memberOf values the entry came back with, and the ranged attribute name when they are not all. */
export function visibleMemberOf(entry: Entry): { dns: string[]; ranged?: string } {
  const keys = Object.keys(entry).filter((key) => /^memberOf(;|$)/i.test(key));
  const ranged = keys.find((key) => key.includes(';'));
  const dns = keys.flatMap((key) => {
    const value = entry[key];
    const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  });
  return ranged ? { dns, ranged } : { dns };
}

/**
 * The entitlements among those groups: the `CN` of each group directly under groupsDn, sorted.
 * Groups elsewhere (Domain Users, groups of other tools) are not jml's to report or remove.
 */
export function entitlementsOf(memberOf: string[], groupsDn: string): string[] {
  const names: string[] = [];
  for (const dn of memberOf) {
    const parent = parentDn(dn);
    const first = parseDn(dn)?.[0];
    if (parent === undefined || !first || first.type.toLowerCase() !== 'cn') continue;
    if (sameDn(parent, groupsDn)) names.push(first.value);
  }
  return names.sort();
}

/** Whether memberOf lists the group. */
export function isMemberOf(memberOf: string[], groupDn: string): boolean {
  return memberOf.some((dn) => sameDn(dn, groupDn));
}
