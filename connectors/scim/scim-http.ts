// HTTP transport for SCIM 2.0 (RFC 7644): one keep-alive connection pool per application, bearer
// auth, timeouts, and errors classified by what they mean. Only what a retry can get past is
// transient (429, 5xx but 501, 412, timeouts, refused connections); 501, 4xx syntax and mutability
// errors, 401 and 403 are permanent, so they are never retried blindly and callers can fall back to
// another form of the request.
import { Pool } from 'undici';
import { PermanentConnectorError, TransientConnectorError, isTransientNetworkError } from '../errors';
import { DEFAULT_RATE_LIMITED_PAUSE_MS, type RequestLimiter } from '../request-limiter';

export const SCIM_MEDIA_TYPE = 'application/scim+json';

export interface ScimResponse {
  status: number;
  etag: string | undefined;
  body: unknown;
}

/** A SCIM error answer that retrying cannot fix, with the status and `scimType` callers branch on. */
export class ScimRequestError extends PermanentConnectorError {
  override readonly name = 'ScimRequestError';
  constructor(
    message: string,
    readonly status: number,
    readonly scimType: string | undefined,
  ) {
    super(message);
  }
}

/** Parses Retry-After (delta-seconds or HTTP-date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an IMF-fixdate (RFC 9110 §5.6.7), e.g. "Wed, 21 Oct 2015 07:28:00 GMT": Date.parse alone
  // would read garbage such as "-5" as a date.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long an answer asks every call to wait: its Retry-After, or for a 429 that does not say,
 * DEFAULT_RATE_LIMITED_PAUSE_MS (a 429 still means slow down); undefined when it asks nothing.
 */
export function waitAskedFor(status: number, retryAfter: string | null): number | undefined {
  return parseRetryAfter(retryAfter) ?? (status === 429 ? DEFAULT_RATE_LIMITED_PAUSE_MS : undefined);
}

/** True for statuses a later attempt of the same request may get past. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 412 || (status >= 500 && status !== 501);
}

/** Connections kept open to one application at most; further requests wait for one to be free. */
const CONNECTIONS_PER_APPLICATION = 16;
/** How long an idle connection is kept for the next request (servers close theirs after 5 s or more). */
const KEEP_ALIVE_MS = 4_000;

type ScimMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface ScimRequestOptions {
  body?: unknown;
  ifMatch?: string;
  accept?: number[];
}

export class ScimHttp {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    private readonly appId: string,
    baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    /** The application's request limits, shared by all of this process's calls to it. */
    private readonly limiter: RequestLimiter,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: CONNECTIONS_PER_APPLICATION,
      keepAliveTimeout: KEEP_ALIVE_MS,
      connectTimeout: timeoutMs,
    });
  }

  /**
   * Sends one request. Statuses listed in `accept` are returned to the caller; transient statuses and
   * network failures throw TransientConnectorError; every other status throws ScimRequestError.
   */
  request(method: ScimMethod, path: string, options: ScimRequestOptions = {}): Promise<ScimResponse> {
    return this.limiter.run(() => this.send(method, path, options));
  }

  private async send(method: ScimMethod, path: string, options: ScimRequestOptions): Promise<ScimResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: SCIM_MEDIA_TYPE,
    };
    if (options.body !== undefined) headers['content-type'] = SCIM_MEDIA_TYPE;
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    let status: number;
    let etag: string | undefined;
    let retryAfter: string | undefined;
    let text: string;
    try {
      const response = await this.pool.request({
        method,
        path: `${this.basePath}${path}`,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.statusCode;
      etag = header(response.headers.etag);
      retryAfter = header(response.headers['retry-after']);
      text = await response.body.text();
    } catch (error) {
      const message = `${this.appId}: ${method} ${path} failed: ${describe(error)}`;
      if (isTransientNetworkError(error)) {
        throw new TransientConnectorError(message, undefined, { cause: error });
      }
      throw new PermanentConnectorError(message, { cause: error });
    }
    const body = text ? safeJson(text) : undefined;
    const result = { status, etag, body };
    if ((status >= 200 && status < 300) || options.accept?.includes(status)) return result;
    const detail = `${this.appId}: ${method} ${path} answered ${status}${scimDetail(body)}`;
    if (isTransientStatus(status)) {
      // 412: someone changed the resource since it was read; reading again and retrying is right.
      throw new TransientConnectorError(
        detail,
        status === 412 ? undefined : waitAskedFor(status, retryAfter ?? null),
      );
    }
    throw new ScimRequestError(detail, status, scimTypeOf(body));
  }

  /** Closes the application's connections once the requests under way have been answered. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The `scimType` of a SCIM error body (RFC 7644 §3.12), e.g. "invalidFilter", "noTarget". */
export function scimTypeOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'scimType' in body && typeof body.scimType === 'string') {
    return body.scimType;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function scimDetail(body: unknown): string {
  if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string') {
    return `: ${body.detail}`;
  }
  const type = scimTypeOf(body);
  return type ? ` (${type})` : '';
}
