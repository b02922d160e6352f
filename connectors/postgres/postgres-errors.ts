// PostgreSQL failures classified by SQLSTATE: what a later attempt can get past (the server is
// unreachable, shutting down, out of resources, or a transaction lost a race) is transient; syntax,
// permission, authentication and missing-object errors are permanent.
import { isTransientNetworkError, PermanentConnectorError, TransientConnectorError } from '../errors';

export const SQLSTATE = {
  uniqueViolation: '23505',
  undefinedObject: '42704',
  duplicateObject: '42710',
  dependentObjectsStillExist: '2BP01',
} as const;

/** Whole classes a retry can get past: connection exceptions, insufficient resources, operator intervention. */
const TRANSIENT_CLASSES = ['08', '53', '57'];
/** Single codes a retry can get past: serialization failure, deadlock, lock not available. */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03']);

/** node-postgres reports a lost or refused connection by message, without a SQLSTATE. */
const TRANSIENT_CLIENT_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection timeout/i;

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function hasSqlState(error: unknown, ...codes: string[]): boolean {
  const code = sqlState(error);
  return code !== undefined && codes.includes(code);
}

export function isTransientPostgresError(error: unknown): boolean {
  const code = sqlState(error);
  if (code !== undefined) return TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.includes(code.slice(0, 2));
  if (isTransientNetworkError(error)) return true;
  return error instanceof Error && TRANSIENT_CLIENT_MESSAGE.test(error.message);
}

/** Wraps a driver error into the connector error the caller acts on, naming the application and step. */
export function translatePostgresError(appId: string, what: string, error: unknown): Error {
  if (error instanceof TransientConnectorError || error instanceof PermanentConnectorError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const code = sqlState(error);
  const message = `${appId}: ${what} failed: ${detail}${code ? ` (SQLSTATE ${code})` : ''}`;
  if (isTransientPostgresError(error))
    return new TransientConnectorError(message, undefined, { cause: error });
  return new PermanentConnectorError(message, { cause: error });
}
