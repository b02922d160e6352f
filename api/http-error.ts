// An answer decided by a route (401, 403, 404, 409, …), thrown so the error handler sends it.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; message?: string; [key: string]: unknown },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message ?? body.error);
  }
}

export function forbidden(message: string): HttpError {
  return new HttpError(403, { error: 'forbidden', message });
}
