// Distinguished names as directory servers write them (RFC 4514): escaping one value for a DN jml
// builds, reading the RDNs of a DN a server returns (OpenLDAP escapes with a backslash before the
// character, Active Directory also with hex pairs such as `\3D`), and comparing two DNs as the
// server would, without regard to case or to how a value was escaped.

/** Escapes one attribute value for use in a DN (RFC 4514, section 2.4). */
export function escapeDnValue(value: string): string {
  let escaped = value.replace(/[\\"+,;<>=]/g, '\\$&').replace(/\0/g, '\\00');
  if (value.startsWith(' ') || value.startsWith('#')) escaped = `\\${escaped}`;
  // A lone space was already escaped as a leading one; spaces are never escaped by the replace above.
  if (value.length > 1 && value.endsWith(' ')) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

/** One relative distinguished name: its attribute type and its value with every escape resolved. */
export interface Rdn {
  type: string;
  value: string;
}

/** The RDNs of a DN, most specific first; undefined when the DN is not well formed. */
export function parseDn(dn: string): Rdn[] | undefined {
  if (dn.trim() === '') return [];
  const rdns: Rdn[] = [];
  for (const part of splitUnescaped(dn, ',')) {
    const equals = indexOfUnescaped(part, '=');
    if (equals <= 0) return undefined;
    const type = part.slice(0, equals).trim();
    const value = unescapeValue(part.slice(equals + 1));
    if (!type || value === undefined) return undefined;
    rdns.push({ type, value });
  }
  return rdns;
}

/** Whether two DNs name the same entry: types and values compared without case, escapes resolved. */
export function sameDn(a: string, b: string): boolean {
  const left = parseDn(a);
  const right = parseDn(b);
  if (!left || !right) return roughly(a) === roughly(b);
  return (
    left.length === right.length &&
    left.every((rdn, i) => {
      const other = right[i]!;
      return (
        rdn.type.toLowerCase() === other.type.toLowerCase() &&
        rdn.value.toLowerCase() === other.value.toLowerCase()
      );
    })
  );
}

/** The DN of an entry's parent (everything after its first RDN); undefined for a DN of one RDN or none. */
export function parentDn(dn: string): string | undefined {
  const comma = indexOfUnescaped(dn, ',');
  return comma < 0 ? undefined : dn.slice(comma + 1).trim();
}

/** The DNS name of the domain a DN lies in, from its `DC=` parts (`OU=People,DC=corp,DC=example` → corp.example). */
export function dnsDomainOf(dn: string): string | undefined {
  const labels = (parseDn(dn) ?? []).filter((rdn) => rdn.type.toLowerCase() === 'dc').map((rdn) => rdn.value);
  return labels.length ? labels.join('.') : undefined;
}

/** The DN made only of the `DC=` parts of a DN: the naming context of an Active Directory domain. */
export function domainDnOf(dn: string): string | undefined {
  const parts = splitUnescaped(dn, ',').map((part) => part.trim());
  const dcs = parts.filter((part) => /^dc\s*=/i.test(part));
  return dcs.length ? dcs.join(',') : undefined;
}

function roughly(dn: string): string {
  return dn.replace(/\s*,\s*/g, ',').toLowerCase();
}

function indexOfUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === char) return i;
  }
  return -1;
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let rest = text;
  for (let at = indexOfUnescaped(rest, separator); at >= 0; at = indexOfUnescaped(rest, separator)) {
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

/**
 * Resolves `\c` and `\hh` escapes. Hex pairs are bytes of UTF-8 (Active Directory writes `\C3\BC`
 * for ü when it chooses to), so the value is decoded once all of its bytes are known. Unescaped
 * spaces at either end are not part of the value.
 */
function unescapeValue(raw: string): string | undefined {
  const bytes: number[] = [];
  let start = 0;
  let end = raw.length;
  while (start < end && raw[start] === ' ') start += 1;
  while (end > start && raw[end - 1] === ' ' && !isEscaped(raw, end - 1)) end -= 1;
  // Steps by code point, so a character outside the BMP is never split into two halves.
  const charAt = (i: number) => String.fromCodePoint(raw.codePointAt(i)!);
  for (let i = start; i < end;) {
    const char = charAt(i);
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else if (i + 1 < end) {
      const escaped = charAt(i + 1);
      bytes.push(...Buffer.from(escaped, 'utf8'));
      i += 1 + escaped.length;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Whether the character at `index` is escaped by an odd number of backslashes before it. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}
