// HTTP transport for SCIM 2.0 (RFC 7644): bearer auth, timeouts, and errors classified by what they
// mean. Only what a retry can get past is transient (429, 5xx but 501, 412, timeouts, refused
// connections); 501, 4xx syntax and mutability errors, 401 and 403 are permanent, so they are never
// retried blindly and callers can fall back to another form of the request.
import { PermanentConnectorError, TransientConnectorError, isTransientNetworkError } from '../errors';

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

/** True for statuses a later attempt of the same request may get past. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 412 || (status >= 500 && status !== 501);
}

export class ScimHttp {
  constructor(
    private readonly appId: string,
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one request. Statuses listed in `accept` are returned to the caller; transient statuses and
   * network failures throw TransientConnectorError; every other status throws ScimRequestError.
   */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; ifMatch?: string; accept?: number[] } = {},
  ): Promise<ScimResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: SCIM_MEDIA_TYPE,
    };
    if (options.body !== undefined) headers['content-type'] = SCIM_MEDIA_TYPE;
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const message = `${this.appId}: ${method} ${path} failed: ${describe(error)}`;
      if (isTransientNetworkError(error)) {
        throw new TransientConnectorError(message, undefined, { cause: error });
      }
      throw new PermanentConnectorError(message, { cause: error });
    }
    const text = await response.text();
    const body = text ? safeJson(text) : undefined;
    const result = { status: response.status, etag: response.headers.get('etag') ?? undefined, body };
    if (response.ok || options.accept?.includes(response.status)) return result;
    const detail = `${this.appId}: ${method} ${path} answered ${response.status}${scimDetail(body)}`;
    if (isTransientStatus(response.status)) {
      // 412: someone changed the resource since it was read; reading again and retrying is right.
      const retryAfter = response.status === 412 ? undefined : response.headers.get('retry-after');
      throw new TransientConnectorError(detail, parseRetryAfter(retryAfter ?? null));
    }
    throw new ScimRequestError(detail, response.status, scimTypeOf(body));
  }
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
