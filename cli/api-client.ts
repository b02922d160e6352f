// The CLI's way to the jml HTTP API: base URL, credentials, a request timeout, and errors that carry
// the exit code their cause calls for.
import { CliError, EXIT, exitCodeForStatus, UsageError } from './exit-codes';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
/** The server gives a request 30 s; waiting longer than that only hides a hung connection. */
export const DEFAULT_TIMEOUT_MS = 30_000;

let timeoutMs = DEFAULT_TIMEOUT_MS;

/** Set once from the global --timeout option before a command runs. */
export function setRequestTimeout(ms: number): void {
  timeoutMs = ms;
}

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new UsageError(`${name} is not set (and no development secret was found)`);
  return value;
}

function apiUrl(path: string): string {
  return `${(process.env.JML_URL ?? DEFAULT_URL).replace(/\/+$/, '')}${path}`;
}

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const url = apiUrl(path);
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      throw new CliError(`no answer from the jml API at ${url} within ${timeoutMs} ms`, EXIT.unreachable);
    }
    // fetch only says "fetch failed"; the cause says why (refused, unknown host...).
    const cause = (error as Error & { cause?: Error }).cause;
    throw new CliError(
      `cannot reach the jml API at ${url}: ${(cause ?? (error as Error)).message}`,
      EXIT.unreachable,
    );
  }
}

/** Who the CLI speaks as: a personal token when one is set (the holder acts only as themselves), else the API token. */
export function bearer(): { authorization: string } {
  return { authorization: `Bearer ${process.env.JML_PERSONAL_TOKEN || required('JML_API_TOKEN')}` };
}

/** Operators' acts (status, retry, plan --diff) use the API token, never a personal one. */
export function apiToken(): { authorization: string } {
  return { authorization: `Bearer ${required('JML_API_TOKEN')}` };
}

/** The employee id a personal token belongs to (its last part), when one is set. */
export function personalTokenHolder(): string | undefined {
  return /^jmlp\.\d+\.[0-9a-f]+\.(.+)$/.exec(process.env.JML_PERSONAL_TOKEN ?? '')?.[1];
}

interface ErrorBody {
  message?: string;
  problems?: { path: string; message: string }[];
}

/** Reads a JSON answer; an error status becomes a CliError saying why, with every problem a 400 names. */
export async function answer<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy in front of the API may answer in HTML; the status still says enough.
    body = undefined;
  }
  if (response.ok && body !== undefined) return body as T;
  const { message, problems } = (body ?? {}) as ErrorBody;
  const verdict = response.status < 500 ? 'refused' : 'failed';
  const lines = [
    `${what} ${verdict} (${response.status}): ${message ?? (text.trim() || response.statusText)}`,
  ];
  for (const p of problems ?? []) lines.push(`  - ${p.path}: ${p.message}`);
  throw new CliError(lines.join('\n'), response.ok ? EXIT.refused : exitCodeForStatus(response.status));
}
