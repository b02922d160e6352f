// Reading one entry and its attribute values, and the member change both directory flavours make to
// a group, in the shapes ldapts gives and takes.
import { Attribute, Change, type Client, type Entry } from 'ldapts';
import { hasCode, RESULT } from './result-codes';

/** The values of one attribute as strings, whatever case the server spelled its name in. */
export function values(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

/** The entry at a DN with the attributes asked for; undefined when there is none. */
export async function findEntry(
  client: Client,
  dn: string,
  attributes: string[],
): Promise<Entry | undefined> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
    return searchEntries[0];
  } catch (error) {
    if (hasCode(error, RESULT.noSuchObject)) return undefined;
    throw error;
  }
}

export function memberChange(operation: 'add' | 'delete', member: string): Change {
  return new Change({ operation, modification: new Attribute({ type: 'member', values: [member] }) });
}
