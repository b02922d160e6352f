// The cursor a connector hands out with a page of its accounts and takes back for the next one. It
// holds only the connector's own position (never a server-side handle, so any worker can continue a
// listing another one began), written as base64url JSON so that callers keep it as an opaque string,
// and it is checked on the way back in: a cursor of another kind of connector, or a mangled one, is
// refused rather than misread as a position.
import { z } from 'zod';
import { PermanentConnectorError } from './errors';

/** The position of one kind of connector: an object tagged with its kind (`k`). */
export type CursorSchema<T extends { k: string }> = z.ZodType<T>;

export function encodeCursor<T extends { k: string }>(position: T): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a cursor holds; undefined for the first page (no cursor). */
export function decodeCursor<T extends { k: string }>(
  appId: string,
  cursor: string | undefined,
  schema: CursorSchema<T>,
): T | undefined {
  if (cursor === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new PermanentConnectorError(
      `${appId}: the listing cursor is not one this application's connector handed out (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`,
    );
  }
  return parsed.data;
}

/** The page size asked for, checked: a whole number of at least 1. */
export function checkPageSize(appId: string, pageSize: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new PermanentConnectorError(
      `${appId}: a listing's pageSize must be a whole number of at least 1, not ${pageSize}`,
    );
  }
  return pageSize;
}
