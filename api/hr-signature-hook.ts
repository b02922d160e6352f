// What every route an HR system calls checks first: the HMAC signature over the raw body (a
// missing, wrong or stale one is 401), and only then the body parsed as JSON for validation.
import { HttpError } from './http-error';
import { parseJsonBody, rawBody } from './json-body';
import type { ApiOptions } from './options';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import { syncHook } from './sync-hook';

export function hrSignatureHook(options: Pick<ApiOptions, 'hrWebhookSecret' | 'signatureToleranceMs'>) {
  return syncHook((request) => {
    const header = request.headers[SIGNATURE_HEADER];
    const check = verifySignature(
      Array.isArray(header) ? header[0] : header,
      rawBody(request),
      options.hrWebhookSecret,
      options.signatureToleranceMs,
    );
    if (!check.ok) throw new HttpError(401, { error: 'unauthorized', message: check.reason });
    parseJsonBody(request);
  });
}
