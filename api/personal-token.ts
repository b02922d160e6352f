// Personal tokens prove to the API who an approver or fulfiller is, without an account store:
// `jmlp.<expires unix seconds>.<hex HMAC-SHA256>.<employeeId>`, the MAC over
// "jmlp.<expires>.<employeeId>" with the configured secret. A token is refused once it expires, when it
// was made to live longer than the configured maximum, or when its id (the first 16 hex digits of its
// MAC) is listed as revoked; rotating the secret revokes them all.
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

/** The id a token is revoked by: it names one token, and reveals nothing that would forge another. */
export function personalTokenId(token: string): string | undefined {
  return /^jmlp\.\d{1,12}\.([0-9a-f]{16})[0-9a-f]{48}\./.exec(token)?.[1];
}

export interface PersonalTokenRules {
  /** Tokens made to live longer than this are refused. */
  maxLifetimeMs?: number;
  /** Ids of tokens revoked one by one. */
  revoked?: readonly string[];
}

export function verifyPersonalToken(
  token: string,
  secret: string,
  nowMs = Date.now(),
  rules: PersonalTokenRules = {},
): PersonalTokenCheck {
  const match = /^jmlp\.(\d{1,12})\.([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed personal token' };
  const [, expiresText, given, employeeId] = match as unknown as [string, string, string, string];
  const expected = mac(secret, Number(expiresText), employeeId);
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    return { ok: false, reason: 'personal token signature does not match' };
  }
  const expiresMs = Number(expiresText) * 1000;
  if (expiresMs <= nowMs) return { ok: false, reason: 'personal token expired' };
  if (rules.maxLifetimeMs !== undefined && expiresMs - nowMs > rules.maxLifetimeMs) {
    return { ok: false, reason: 'personal token lives longer than the longest lifetime allowed' };
  }
  if (rules.revoked?.includes(given.slice(0, 16))) return { ok: false, reason: 'personal token revoked' };
  return { ok: true, employeeId };
}
