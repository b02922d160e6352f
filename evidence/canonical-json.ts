// Canonical JSON: the one byte sequence a value is hashed and signed as, so that the same record
// hashes the same whoever serialises it and however the database hands it back (jsonb reorders keys).
// The rules are those of RFC 8785 (JCS): object keys sorted by their UTF-16 code units, no
// whitespace, strings and numbers as ECMAScript's JSON.stringify writes them. Object members whose
// value is undefined are left out, as JSON.stringify and a database round trip leave them out;
// anything JSON cannot carry (NaN, Infinity, undefined in an array, functions, dates, class
// instances) is refused rather than silently changed.

export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
}

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${path}: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? writeArray(value, path) : writeObject(value, path);
    default:
      throw new CanonicalJsonError(`${path}: a ${typeof value} is not JSON`);
  }
}

function writeArray(items: unknown[], path: string): string {
  const parts = items.map((item, i) => {
    if (item === undefined) throw new CanonicalJsonError(`${path}[${i}]: undefined is not JSON`);
    return write(item, `${path}[${i}]`);
  });
  return `[${parts.join(',')}]`;
}

function writeObject(value: object, path: string): string {
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalJsonError(`${path}: only plain objects are JSON`);
  }
  // The default sort compares UTF-16 code units, which is JCS's order.
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  const members = keys.map(
    (key) => `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], `${path}.${key}`)}`,
  );
  return `{${members.join(',')}}`;
}
