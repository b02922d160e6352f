// Personal tokens prove to the API who an approver or fulfiller is, without an account store:
// `jmlp.<expires unix seconds>.<hex HMAC-SHA256>.<employeeId>`, the MAC over
// "jmlp.<expires>.<employeeId>" with the configured secret. Rotating the secret revokes them all.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'jmlp';

function mac(secret: string, expires: number, employeeId: string): Buffer {
  return createHmac('sha256', secret).update(`${PREFIX}.${expires}.${employeeId}`).digest();
}

export function issuePersonalToken(
  employeeId: string,
  secret: string,
  ttlMs: number,
  nowMs = Date.now(),
): string {
  const expires = Math.floor((nowMs + ttlMs) / 1000);
  return `${PREFIX}.${expires}.${mac(secret, expires, employeeId).toString('hex')}.${employeeId}`;
}

export function isPersonalToken(token: string): boolean {
  return token.startsWith(`${PREFIX}.`);
}

export type PersonalTokenCheck = { ok: true; employeeId: string } | { ok: false; reason: string };

export function verifyPersonalToken(token: string, secret: string, nowMs = Date.now()): PersonalTokenCheck {
  const match = /^jmlp\.(\d{1,12})\.([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed personal token' };
  const [, expiresText, given, employeeId] = match as unknown as [string, string, string, string];
  const expected = mac(secret, Number(expiresText), employeeId);
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    return { ok: false, reason: 'personal token signature does not match' };
  }
  if (Number(expiresText) * 1000 <= nowMs) return { ok: false, reason: 'personal token expired' };
  return { ok: true, employeeId };
}
