// HTTP transport for SCIM 2.0 (RFC 7644): bearer auth, timeouts, and status → error-class mapping.
import { PermanentConnectorError, TransientConnectorError, isTransientNetworkError } from '../errors';

export const SCIM_MEDIA_TYPE = 'application/scim+json';

export interface ScimResponse {
  status: number;
  etag: string | undefined;
  body: unknown;
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

export class ScimHttp {
  constructor(
    private readonly appId: string,
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one request. Statuses listed in `accept` are returned to the caller; 429, 5xx and network
   * failures throw TransientConnectorError; every other status throws PermanentConnectorError.
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
      if (isTransientNetworkError(error)) {
        throw new TransientConnectorError(
          `${this.appId}: ${method} ${path} failed: ${describe(error)}`,
          undefined,
          {
            cause: error,
          },
        );
      }
      throw new PermanentConnectorError(`${this.appId}: ${method} ${path} failed: ${describe(error)}`, {
        cause: error,
      });
    }
    const text = await response.text();
    const body = text ? safeJson(text) : undefined;
    const result = { status: response.status, etag: response.headers.get('etag') ?? undefined, body };
    if (response.ok || options.accept?.includes(response.status)) return result;
    const detail = `${this.appId}: ${method} ${path} answered ${response.status}${scimDetail(body)}`;
    if (response.status === 429 || response.status >= 500) {
      throw new TransientConnectorError(detail, parseRetryAfter(response.headers.get('retry-after')));
    }
    // 412: someone changed the resource since we read it; reading again and retrying is right.
    if (response.status === 412) throw new TransientConnectorError(detail);
    throw new PermanentConnectorError(detail);
  }
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
  return '';
}
