// POST /v1/hr/roster: a full roster of one HR source's active employees, signed like an HR event
// (HMAC over the raw body), compared with the source's last roster and sent as hire, rehire, change
// and terminate events (api/roster-import.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { repeatedKeys } from '../../domain/roster';
import { isUnavailable } from '../../evidence/pg-client';
import { RosterConflictError } from '../../evidence/roster-snapshots';
import { commonErrors, errorSchema } from '../contract/errors';
import { rosterImportBody, rosterImportResultSchema } from '../contract/roster';
import { HttpError } from '../http-error';
import { hrSignatureHook } from '../hr-signature-hook';
import type { ApiOptions } from '../options';
import { importRoster, RosterImportStopped } from '../roster-import';
import { RETRY_AFTER_SECONDS } from '../temporal-unavailable';

/** The largest roster the route takes when `http.maxRosterBytes` is not set: about 50,000 people. */
export const DEFAULT_MAX_ROSTER_BYTES = 16 * 1024 * 1024;

/**
 * How long the answer to an import may take: a first import sends an event per person, which takes
 * longer than the server's idle-socket limit (`connectionTimeout`) allows any other request.
 */
export const ROSTER_ANSWER_TIMEOUT_MS = 10 * 60_000;

export function rosterRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/hr/roster',
    {
      bodyLimit: options.maxRosterBytes ?? DEFAULT_MAX_ROSTER_BYTES,
      config: { rawBody: true, invalidBody: 'invalid_roster' },
      schema: {
        tags: ['HR events'],
        operationId: 'importRoster',
        summary: "Import a full roster of an HR source's active employees",
        description:
          "Compared with the source's last roster: a new employee is hired (rehired when jml knows they " +
          'left), a changed row is a change, a missing employee is terminated (effective now, not urgent). ' +
          'Event ids are derived from the roster, so importing the same roster again sends nothing, and ' +
          'after a 503 sending it again sends what is left. Signed like an HR event, with ' +
          '`X-JML-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.',
        security: [{ hrSignature: [] }],
        body: rosterImportBody,
        response: {
          200: rosterImportResultSchema.describe('a dry run: the events it would send; nothing was sent'),
          202: rosterImportResultSchema.describe('the events sent, with what the intake answered for each'),
          ...commonErrors,
          400: errorSchema.describe(
            'invalid roster: `problems` names every invalid field (`employees.<index>.<field>`); nothing was sent',
          ),
          401: errorSchema.describe('missing, malformed, wrong or stale signature'),
          409: errorSchema.describe(
            'another import of this source, in another jml process, recorded a person first',
          ),
          413: errorSchema.describe('body larger than `http.maxRosterBytes`'),
          503: errorSchema.describe(
            'Temporal or the evidence store is unreachable: what was sent is recorded; send the same roster again after `Retry-After` seconds to send the rest',
          ),
        },
      },
      preValidation: hrSignatureHook(options),
    },
    async (request, reply) => {
      const { source, dryRun, employees } = request.body;
      const repeated = repeatedKeys(employees);
      if (repeated.length) {
        throw new HttpError(400, {
          error: 'invalid_roster',
          problems: repeated.map(({ index, field, first }) => ({
            path: `employees.${index}.${field}`,
            message: `the same ${field} as employees.${first}`,
          })),
        });
      }
      if (!options.rosters) throw unavailable('this API process holds no evidence store');
      // (A request made with app.inject has no real socket.)
      const { socket } = request.raw;
      if (typeof socket?.setTimeout === 'function') socket.setTimeout(ROSTER_ANSWER_TIMEOUT_MS);
      try {
        const result = await importRoster(
          { ...options, rosters: options.rosters, deadlineMs },
          { source, dryRun, employees },
        );
        request.log.info(
          { source, dryRun, snapshotId: result.snapshotId, counts: result.counts, complete: result.complete },
          dryRun ? 'roster compared (dry run)' : 'roster imported',
        );
        return await reply.code(dryRun ? 200 : 202).send(result);
      } catch (error) {
        throw answerFor(error, source, request.log);
      }
    },
  );
}

function unavailable(message: string, error = 'evidence_unavailable'): HttpError {
  return new HttpError(503, { error, message }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
}

/** A stopped import says how far it got and that sending the same roster again goes on from there. */
function answerFor(error: unknown, source: string, log: { warn: (o: object, m: string) => void }): unknown {
  const stopped = error instanceof RosterImportStopped ? error : undefined;
  const cause = stopped ? stopped.cause : error;
  const progress = stopped
    ? `${stopped.sent} of ${stopped.total} events were sent and recorded; send the same roster again after ${RETRY_AFTER_SECONDS} s to send the rest`
    : 'nothing was sent';
  if (stopped) log.warn({ source, sent: stopped.sent, total: stopped.total }, 'roster import stopped');
  if (cause instanceof RosterConflictError) {
    return new HttpError(409, { error: 'roster_conflict', message: `${cause.message}; ${progress}` });
  }
  if (cause instanceof HttpError && cause.status === 503) {
    return new HttpError(
      503,
      { ...cause.body, message: `${cause.body.message}; ${progress}` },
      cause.headers,
    );
  }
  if (isUnavailable(cause)) return unavailable(`the evidence store cannot be reached now; ${progress}`);
  return cause;
}
