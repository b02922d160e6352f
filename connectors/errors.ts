// Errors a connector raises, by what the caller should do about them. Activities map these to
// Temporal failures in one place (activities/failures.ts).

/** Worth retrying: 5xx (but 501), 429, 412, timeouts, connection refused. */
export class TransientConnectorError extends Error {
  override readonly name = 'TransientConnectorError';
  constructor(
    message: string,
    /** The application asked to wait this long (e.g. from Retry-After). */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Retrying the same request cannot help: invalid request, bad credentials, unknown group, misconfiguration. */
export class PermanentConnectorError extends Error {
  override readonly name: string = 'PermanentConnectorError';
}

/**
 * A read could not see everything it needed (a listing that stops short of its total, an account
 * that cannot be tied to anyone): what it saw cannot be taken for the whole truth, so it is never
 * read as "absent" or "clean".
 */
export class UnverifiableError extends PermanentConnectorError {
  override readonly name = 'UnverifiableError';
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** True for network-level failures (refused, reset, timed out) that a retry may get past. */
export function isTransientNetworkError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  }
  return false;
}
