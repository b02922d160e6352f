// A real HTTP reverse proxy (for tests and the benchmark) in front of a real server, for fault injection: it answers chosen
// error statuses instead of forwarding, or stops listening altogether, so connectors meet
// 429s, 5xxs and refused connections the way they would in production.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './ports';

export interface FaultProxy {
  port: number;
  /** The proxy's URL for a path on the target, e.g. url('/v2') for a SCIM base URL. */
  url(path: string): string;
  /** Answers the next `count` requests with `status` (and `headers`) instead of forwarding them. */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /**
   * Serves at most `perSecond` requests a second (a token bucket holding `burst`, default a fifth of a
   * second's worth and at least 2) and answers the rest 429 with Retry-After: 1, as a rate-limited
   * application does; undefined lifts the limit.
   */
  limitRate(perSecond: number | undefined, burst?: number): void;
  /** Requests answered 429 by limitRate so far. */
  readonly rateLimited: number;
  /** Requests seen, forwarded or failed. */
  readonly requests: number;
  /** Bytes of the forwarded answers' bodies so far: what the client had to download. */
  readonly answerBytes: number;
  /** How long the target took to answer each forwarded request, in ms, in order (the latency added not included). */
  readonly answerMs: number[];
  /** Every request seen, as `METHOD path`, in order. */
  readonly log: string[];
  /**
   * Holds the next request for which `match` holds: it is never forwarded (as if the application
   * hung), and its connection is dropped when the client goes away. Resolves when it arrives.
   */
  holdNext(match: (method: string, path: string) => boolean): Promise<void>;
  /** Forwards the next request for which `match` holds only after `ms`; resolves when it arrives. */
  delayNext(match: (method: string, path: string) => boolean, ms: number): Promise<void>;
  /** Stops listening and drops open connections, so clients get ECONNREFUSED. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeUp(): Promise<void>;
  stop(): Promise<void>;
}

// Hop-by-hop headers describe one connection, not the message, so they are not passed on.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const kept: IncomingMessage['headers'] = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name.toLowerCase()) && value !== undefined) kept[name] = value;
  }
  return kept;
}

export interface FaultProxyOptions {
  /** Added before every request is forwarded: an application's network round trip (the benchmark's). */
  latencyMs?: number;
}

export async function startFaultProxy(
  targetPort: number,
  { latencyMs = 0 }: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const port = await freePort();
  let seen = 0;
  let answerBytes = 0;
  const answerMs: number[] = [];
  const log: string[] = [];
  let hold: { match: (method: string, path: string) => boolean; arrived: () => void } | undefined;
  let delay:
    { match: (method: string, path: string) => boolean; ms: number; arrived: () => void } | undefined;
  let failures: { remaining: number; status: number; headers: Record<string, string> } | undefined;
  let bucket: { perSecond: number; burst: number; tokens: number; at: number } | undefined;
  let rateLimited = 0;
  /** Takes a token from the bucket, refilled for the time since the last request; false when empty. */
  const withinRate = () => {
    if (!bucket) return true;
    const now = performance.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) * bucket.perSecond) / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
  ) => {
    // Drain the request first so the keep-alive connection stays usable for the next call.
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ status: String(status), detail: `fault proxy: injected ${status}` }));
    });
  };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const sent = performance.now();
    const upstream = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), host: `127.0.0.1:${targetPort}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.on('data', (chunk: Buffer) => (answerBytes += chunk.length));
        answer.on('end', () => answerMs.push(performance.now() - sent));
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: `fault proxy: upstream failed: ${error.message}` }));
    });
    req.pipe(upstream);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    seen += 1;
    log.push(`${req.method} ${req.url}`);
    if (delay?.match(req.method ?? '', req.url ?? '')) {
      const { ms, arrived } = delay;
      delay = undefined;
      arrived();
      setTimeout(() => forward(req, res), ms);
      return;
    }
    if (hold?.match(req.method ?? '', req.url ?? '')) {
      hold.arrived();
      hold = undefined;
      req.resume();
      return;
    }
    if (failures && failures.remaining > 0) {
      failures.remaining -= 1;
      answer(req, res, failures.status, failures.headers);
      return;
    }
    if (!withinRate()) {
      rateLimited += 1;
      answer(req, res, 429, { 'retry-after': '1' });
      return;
    }
    if (latencyMs > 0) setTimeout(() => forward(req, res), latencyMs);
    else forward(req, res);
  };

  let server: Server | undefined;
  const listen = async () => {
    const next = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    server = next;
  };
  const close = async () => {
    const current = server;
    if (!current) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  };

  await listen();
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    failNext(count, status, headers = {}) {
      failures = { remaining: count, status, headers };
    },
    limitRate(perSecond, burst) {
      const size = burst ?? Math.max(2, Math.ceil((perSecond ?? 0) / 5));
      bucket =
        perSecond === undefined ? undefined : { perSecond, burst: size, tokens: size, at: performance.now() };
    },
    get rateLimited() {
      return rateLimited;
    },
    get requests() {
      return seen;
    },
    get answerMs() {
      return answerMs;
    },
    get answerBytes() {
      return answerBytes;
    },
    log,
    holdNext(match) {
      return new Promise<void>((arrived) => (hold = { match, arrived }));
    },
    delayNext(match, ms) {
      return new Promise<void>((arrived) => (delay = { match, ms, arrived }));
    },
    goDown: close,
    async comeUp() {
      if (!server) await listen();
    },
    stop: close,
  };
}
