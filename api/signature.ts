// HR webhook authentication: HMAC-SHA256 over "<unix seconds>.<raw body>", sent as
// `X-JML-Signature: t=<unix seconds>,v1=<hex>`. The timestamp bounds replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-jml-signature';

export function signPayload(
  body: string | Buffer,
  secret: string,
  unixSeconds = Math.floor(Date.now() / 1000),
): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySignature(
  header: string | undefined,
  body: Buffer,
  secret: string,
  toleranceMs: number,
  nowMs = Date.now(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing X-JML-Signature header' };
  const parts = new Map(
    header.split(',').map((part) => {
      const i = part.indexOf('=');
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d+$/.test(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) {
    return { ok: false, reason: 'malformed X-JML-Signature header (want t=<unix seconds>,v1=<hex>)' };
  }
  if (Math.abs(nowMs - Number(t) * 1000) > toleranceMs) {
    return { ok: false, reason: 'signature timestamp outside the allowed window' };
  }
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
