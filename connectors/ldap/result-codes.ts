// LDAP result codes jml acts on (RFC 4511, appendix A), and which failures a retry can get past.
import { ResultCodeError } from 'ldapts';
import { isTransientNetworkError } from '../errors';

export const RESULT = {
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  noSuchAttribute: 16,
  constraintViolation: 19,
  typeOrValueExists: 20,
  noSuchObject: 32,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  objectClassViolation: 65,
  notAllowedOnNonLeaf: 66,
  entryAlreadyExists: 68,
} as const;

/** Result codes a retry can get past: the server is overloaded, shutting down or out of time. */
const TRANSIENT_RESULT_CODES = new Set<number>([RESULT.timeLimitExceeded, RESULT.busy, RESULT.unavailable]);

/** ldapts reports socket-level failures as plain Errors without a code; these are their messages. */
const TRANSIENT_CLIENT_MESSAGE =
  /timed out|Connection timeout|Connection closed|Socket error|Socket connection not established/i;

export function resultCode(error: unknown): number | undefined {
  return error instanceof ResultCodeError ? error.code : undefined;
}

export function hasCode(error: unknown, ...codes: number[]): boolean {
  const code = resultCode(error);
  return code !== undefined && codes.includes(code);
}

export function isTransient(error: unknown): boolean {
  const code = resultCode(error);
  if (code !== undefined) return TRANSIENT_RESULT_CODES.has(code);
  if (isTransientNetworkError(error)) return true;
  return error instanceof Error && TRANSIENT_CLIENT_MESSAGE.test(error.message);
}
