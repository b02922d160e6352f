// Bearer authentication for status, retry, approvals and tasks: the API token (a trusted integration
// or operator), or a personal token that lets its holder act only as themselves.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { forbidden, HttpError } from './http-error';
import { isPersonalToken, verifyPersonalToken } from './personal-token';
import { syncHook } from './sync-hook';

/** Who is calling: the API token, or one person by their token. */
export type Caller = { via: 'API token' } | { via: 'personal token'; employeeId: string };

export interface AuthSecrets {
  apiToken: string;
  /** Verifies personal tokens; without it only the API token is accepted. */
  personalTokenSecret?: string;
  /** Longest a personal token may live (default: no limit beyond its own expiry). */
  personalTokenMaxLifetimeMs?: number;
  /** Personal tokens revoked one by one, by id. */
  revokedPersonalTokens?: readonly string[];
}

export function authenticate(secrets: AuthSecrets, authorization: string | undefined): Caller {
  const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
  if (isPersonalToken(given) && secrets.personalTokenSecret) {
    const check = verifyPersonalToken(given, secrets.personalTokenSecret, Date.now(), {
      maxLifetimeMs: secrets.personalTokenMaxLifetimeMs,
      revoked: secrets.revokedPersonalTokens,
    });
    if (!check.ok) throw new HttpError(401, { error: 'unauthorized', message: check.reason });
    return { via: 'personal token', employeeId: check.employeeId };
  }
  const a = Buffer.from(given);
  const b = Buffer.from(secrets.apiToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, { error: 'unauthorized', message: 'a valid bearer token is required' });
  }
  return { via: 'API token' };
}

export function serviceOnly(caller: Caller): void {
  if (caller.via === 'personal token') {
    throw forbidden("a personal token may only list and decide its holder's own approvals and tasks");
  }
}

/** A personal token acts only as its holder. */
export function actingAs(caller: Caller, employeeId: string): void {
  if (caller.via === 'personal token' && caller.employeeId !== employeeId) {
    throw forbidden(`this personal token is ${caller.employeeId}'s; it cannot act as ${employeeId}`);
  }
}

/** The list filter: a personal token's holder sees what waits for them, whatever the query asks. */
export function listedFor(caller: Caller, asked: string | undefined): string | undefined {
  if (caller.via === 'API token') return asked;
  actingAs(caller, asked ?? caller.employeeId);
  return caller.employeeId;
}

const callers = new WeakMap<FastifyRequest, Caller>();

/** onRequest hooks: authenticate before the body is read; `serviceOnly` refuses personal tokens too. */
export function bearerAuth(secrets: AuthSecrets, { serviceOnly: operatorsOnly = false } = {}) {
  return syncHook((request) => {
    const caller = authenticate(secrets, request.headers.authorization);
    if (operatorsOnly) serviceOnly(caller);
    callers.set(request, caller);
  });
}

export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new Error(`route ${request.routeOptions.url} has no bearerAuth hook`);
  return caller;
}
