// The CLI's way to the jml HTTP API: base URL, credentials, and errors that say what went wrong.
import { parseArgs } from 'node:util';

/** Wrong use of the command line: printed with the usage text. */
export class UsageError extends Error {}

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new UsageError(`${name} is not set (and no development secret was found)`);
  return value;
}

function apiUrl(path: string): string {
  return `${(process.env.JML_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')}${path}`;
}

export async function apiFetch(path: string, init: RequestInit): Promise<Response> {
  const url = apiUrl(path);
  try {
    return await fetch(url, init);
  } catch (error) {
    // fetch only says "fetch failed"; the cause says why (refused, unknown host...).
    const cause = (error as Error & { cause?: Error }).cause;
    throw new Error(`cannot reach the jml API at ${url}: ${(cause ?? (error as Error)).message}`);
  }
}

/** Who the CLI speaks as: a personal token when one is set (the holder acts only as themselves), else the API token. */
export function bearer(): { authorization: string } {
  return { authorization: `Bearer ${process.env.JML_PERSONAL_TOKEN || required('JML_API_TOKEN')}` };
}

/** The employee id a personal token belongs to (its last part), when one is set. */
export function personalTokenHolder(): string | undefined {
  return /^jmlp\.\d+\.[0-9a-f]+\.(.+)$/.exec(process.env.JML_PERSONAL_TOKEN ?? '')?.[1];
}

export function parseCommand(args: string[], options: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reads a JSON answer; on an error status prints why and returns undefined. */
export async function answer<T>(response: Response, what: string): Promise<T | undefined> {
  const body = (await response.json()) as T & { message?: string };
  if (response.ok) return body;
  console.error(`jml: ${what} refused (${response.status}): ${body.message ?? JSON.stringify(body)}`);
  return undefined;
}
