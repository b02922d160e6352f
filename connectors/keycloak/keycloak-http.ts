// HTTP transport for Keycloak's Admin REST API: a service-account token from the client-credentials
// grant, cached and renewed before it expires (or at once when the server says 401), and answers
// classified by meaning: 429 and 5xx are transient, every other refusal is permanent.
import type { RequestLimiter } from '../request-limiter';
import { isTransientNetworkError, PermanentConnectorError, TransientConnectorError } from '../errors';
import { isTransientStatus, waitAskedFor } from '../scim/scim-http';

export interface KeycloakHttpOptions {
  appId: string;
  baseUrl: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** The application's request limits, shared by all of this process's calls to it. */
  limiter: RequestLimiter;
}

export interface KeycloakResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Renew this long before the token's stated expiry, so a token never lapses in the middle of a call. */
const RENEW_BEFORE_MS = 30_000;

interface CachedToken {
  value: string;
  renewAt: number;
}

export class KeycloakHttp {
  private token: Promise<CachedToken> | undefined;
  private readonly adminBase: string;

  constructor(private readonly options: KeycloakHttpOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    this.adminBase = `${base}/admin/realms/${encodeURIComponent(options.realm)}`;
  }

  /**
   * Sends one Admin API request (path relative to the realm). Statuses in `accept` are returned to the
   * caller with 2xx; the rest throw the connector error that says what to do about them.
   */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; accept?: number[] } = {},
  ): Promise<KeycloakResponse> {
    let response = await this.send(method, path, options.body, await this.bearer());
    if (response.status === 401) {
      // The token was revoked or the server restarted with new keys: one fresh token, one more try.
      this.token = undefined;
      response = await this.send(method, path, options.body, await this.bearer());
    }
    if (response.ok || options.accept?.includes(response.status)) {
      return { status: response.status, headers: response.headers, body: await readBody(response) };
    }
    throw await this.failure(method, path, response);
  }

  private send(method: string, path: string, body: unknown, token: string): Promise<Response> {
    // The limiter sees a 429 or 503 with Retry-After as the error it would become.
    return this.options.limiter.run(async () => {
      const response = await this.fetch(method, path, body, token);
      if (response.status === 429 || (response.status === 503 && response.headers.has('retry-after'))) {
        throw await this.failure(method, path, response);
      }
      return response;
    });
  }

  private async fetch(method: string, path: string, body: unknown, token: string): Promise<Response> {
    try {
      return await fetch(`${this.adminBase}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw this.networkFailure(`${method} ${path}`, error);
    }
  }

  /** The cached token, or a new one; concurrent callers share one pending token request. */
  private async bearer(): Promise<string> {
    const current = this.token;
    if (current) {
      const token = await current.catch(() => undefined);
      if (token && Date.now() < token.renewAt) return token.value;
      if (this.token === current) this.token = undefined;
    }
    this.token ??= this.fetchToken();
    const pending = this.token;
    pending.catch(() => {
      if (this.token === pending) this.token = undefined;
    });
    return (await pending).value;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { baseUrl, realm, clientId, clientSecret, timeoutMs } = this.options;
    const url = `${baseUrl.replace(/\/+$/, '')}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
    const started = Date.now();
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw this.networkFailure('token request', error);
    }
    if (!response.ok) throw await this.failure('POST', 'token endpoint', response);
    const body = (await readBody(response)) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') {
      throw new PermanentConnectorError(
        `${this.options.appId}: the token endpoint answered without an access_token`,
      );
    }
    const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 60_000;
    // A short-lived token is renewed halfway through, so it is never used in its last seconds either.
    const margin = Math.min(RENEW_BEFORE_MS, lifetimeMs / 2);
    return { value: body.access_token, renewAt: started + lifetimeMs - margin };
  }

  private networkFailure(what: string, error: unknown): Error {
    const message = `${this.options.appId}: ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
    if (isTransientNetworkError(error))
      return new TransientConnectorError(message, undefined, { cause: error });
    return new PermanentConnectorError(message, { cause: error });
  }

  private async failure(method: string, path: string, response: Response): Promise<Error> {
    const body = await readBody(response).catch(() => undefined);
    const detail = describe(body);
    const message = `${this.options.appId}: ${method} ${path} answered ${response.status}${detail ? `: ${detail}` : ''}`;
    if (isTransientStatus(response.status) && response.status !== 412) {
      return new TransientConnectorError(
        message,
        waitAskedFor(response.status, response.headers.get('retry-after')),
      );
    }
    if (response.status === 403) {
      return new PermanentConnectorError(
        `${message} (the service account of client "${this.options.clientId}" lacks a realm-management role for this)`,
      );
    }
    return new PermanentConnectorError(message);
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Keycloak's error bodies: `{error, error_description}` or `{errorMessage}`. */
function describe(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  return [b.errorMessage, b.error, b.error_description].filter((v) => typeof v === 'string').join(': ');
}
