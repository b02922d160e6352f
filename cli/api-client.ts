// The CLI's way to the jml HTTP API: base URL, credentials, and errors that say what went wrong.

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
