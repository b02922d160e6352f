// Evidence for auditors over HTTP, read from the evidence store this process holds (never from
// Temporal): the export of a period's joiners, movers and leavers (JSON or CSV), and a leaver's
// revocation certificate (JSON or a printable HTML page). Operators only: the API token.
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { employeeIdSchema } from '../../domain/hr-event';
import { CertificateNotFound } from '../../domain/leaver-certificate';
import { lenientPeriodOf, lenientWindowOf, periodBoundSchema, type Period } from '../../domain/period';
import { certificateHtml, HTML_MEDIA_TYPE } from '../../evidence/certificate-html';
import { CSV_MEDIA_TYPE, exportCsv } from '../../evidence/export-csv';
import { isUnavailable } from '../../evidence/pg-client';
import { certificateOf, exportOf, reportOf } from '../../evidence/queries';
import { publicKeysFrom } from '../../evidence/settings';
import { verifyChains } from '../../evidence/verify';
import type { SqlQueryable } from '../../evidence/sql';
import { bearerAuth } from '../auth';
import { bearerErrors, errorSchema, notFound } from '../contract/errors';
import {
  leaverCertificateSchema,
  periodExportSchema,
  periodReportSchema,
  verifyReportSchema,
} from '../contract/evidence';
import { HttpError } from '../http-error';
import type { ApiOptions } from '../options';
import { RETRY_AFTER_SECONDS } from '../temporal-unavailable';

const unavailable = errorSchema.describe(
  '`evidence_unavailable`: this process holds no evidence store, or the store cannot be read now; retry after `Retry-After` seconds',
);

const exportQuery = z.object({
  from: periodBoundSchema.describe('the first day (UTC) or instant: HR events received from then on'),
  to: periodBoundSchema.describe(
    'the last day (UTC, inclusive) or instant; before `from`: an empty period. Bounds are held to 1970–9999',
  ),
  format: z.enum(['json', 'csv']).default('json').describe('`csv`: RFC 4180 with a header row'),
});

const reportQuery = exportQuery.omit({ format: true });
const verifyQuery = z.object({
  from: periodBoundSchema.optional().describe('check the records written from then on (and the one before)'),
  to: periodBoundSchema.optional().describe('…up to the last day (UTC, inclusive) or instant'),
});

const certificateQuery = z.object({
  event: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/)
    .optional()
    .describe('the termination event whose leaver to certify; default: the latest leaver'),
  format: z
    .enum(['json', 'html'])
    .default('json')
    .describe('`html`: a self-contained page to open and print'),
});

function evidenceUnavailable(message: string): HttpError {
  return new HttpError(
    503,
    { error: 'evidence_unavailable', message },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

/** Reads the store, telling a store that cannot be reached (503) from a fault of jml's own (500). */
async function reading<T>(
  options: ApiOptions,
  request: FastifyRequest,
  read: (sql: SqlQueryable) => Promise<T>,
) {
  if (!options.evidence) throw evidenceUnavailable('this API process holds no evidence store');
  try {
    return await read(options.evidence.reader);
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    request.log.warn({ err: (error as Error).message }, 'evidence store unreadable');
    throw evidenceUnavailable('the evidence store cannot be read now');
  }
}

/**
 * The keys the running jml trusts for checkpoints: its own signing key's, and those an operator set in
 * JML_EVIDENCE_PUBLIC_KEY (the keys of earlier years after a rotation).
 */
function trustedKeys(options: ApiOptions): KeyObject[] {
  const own = options.evidence ? [options.evidence.publicKey] : [];
  if (!process.env.JML_EVIDENCE_PUBLIC_KEY) return own;
  return [...own, ...publicKeysFrom()];
}

const stamp = (time: Date) => time.toISOString().replace(/[-:]|\.\d+/g, '');
const exportFileName = (period: Period) => `jml-evidence-${stamp(period.from)}-${stamp(period.to)}.csv`;

export function evidenceRoutes(app: FastifyInstance, options: ApiOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const operatorsOnly = bearerAuth(options, { serviceOnly: true });

  routes.get(
    '/v1/evidence',
    {
      onRequest: operatorsOnly,
      schema: {
        tags: ['Evidence'],
        operationId: 'exportEvidence',
        summary: 'Every joiner, mover and leaver of a period, with its timings, from the evidence store',
        description:
          'One row per lifecycle step whose HR event reached jml in the period: when it was received, took ' +
          'effect and was done, how long that took, how many applications were verified or skipped, and for ' +
          'leavers whether the deprovisioning deadline was met. Read from the evidence store, so it answers ' +
          'long after Temporal has forgotten the workflows.',
        security: [{ bearer: [] }],
        querystring: exportQuery,
        response: {
          200: {
            description: 'the export',
            content: {
              'application/json': { schema: periodExportSchema },
              'text/csv': { schema: z.string().describe('a header row, then one row per step (RFC 4180)') },
            },
          },
          ...bearerErrors,
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const { from, to, format } = request.query;
      const period = lenientPeriodOf(from, to);
      const generatedAt = new Date();
      const rows = await reading(options, request, (sql) => exportOf(sql, period, generatedAt));
      request.log.info({ from: period.from, to: period.to, rows: rows.length, format }, 'evidence exported');
      if (format === 'csv') {
        return reply
          .type(CSV_MEDIA_TYPE)
          .header('content-disposition', `attachment; filename="${exportFileName(period)}"`)
          .send(exportCsv(rows));
      }
      return reply.send({
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        generatedAt: generatedAt.toISOString(),
        rows,
      });
    },
  );

  routes.get(
    '/v1/evidence/leavers/:employeeId',
    {
      config: { invalidParams: 'invalid_employee_id' },
      onRequest: operatorsOnly,
      schema: {
        tags: ['Evidence'],
        operationId: 'getRevocationCertificate',
        summary: "A leaver's revocation certificate, from the evidence store",
        description:
          'Per application: what was removed, disabled or deleted, the read-back that verified it (or the ' +
          'attestation and who gave it), the time from the HR event to verified, and whether that beat the ' +
          'deprovisioning deadline. A skipped application is never called verified.',
        security: [{ bearer: [] }],
        params: z.object({ employeeId: employeeIdSchema }),
        querystring: certificateQuery,
        response: {
          200: {
            description: 'the certificate',
            content: {
              'application/json': { schema: leaverCertificateSchema },
              'text/html': { schema: z.string().describe('the certificate as a page to open and print') },
            },
          },
          ...bearerErrors,
          404: notFound.describe('no leaver of this person (or started by that event) is recorded'),
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const { employeeId } = request.params;
      const { event, format } = request.query;
      const certificate = await reading(options, request, async (sql) => {
        try {
          return await certificateOf(sql, employeeId, { eventId: event });
        } catch (error) {
          if (error instanceof CertificateNotFound) {
            throw new HttpError(404, { error: 'not_found', message: error.message });
          }
          throw error;
        }
      });
      request.log.info({ employeeId, eventId: certificate.eventId, format }, 'revocation certificate read');
      if (format === 'html') return reply.type(HTML_MEDIA_TYPE).send(certificateHtml(certificate));
      return reply.send(certificate);
    },
  );

  routes.get(
    '/v1/evidence/report',
    {
      onRequest: operatorsOnly,
      schema: {
        tags: ['Evidence'],
        operationId: 'getEvidenceReport',
        summary: "A period's figures from the evidence store (what `jml report` prints)",
        description:
          'Time to provision and deprovision, deadlines met and missed, verification failures per ' +
          "application, approvals waiting and decided, manual tasks overdue, drift found, operators' skips " +
          'and retries, and the follow-ups of skipped applications still open. Durations in milliseconds.',
        security: [{ bearer: [] }],
        querystring: reportQuery,
        response: { 200: periodReportSchema, ...bearerErrors, 503: unavailable },
      },
    },
    async (request) => {
      const period = lenientPeriodOf(request.query.from, request.query.to);
      const generatedAt = new Date();
      const figures = await reading(options, request, (sql) => reportOf(sql, period, generatedAt));
      return {
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        generatedAt: generatedAt.toISOString(),
        ...figures,
      };
    },
  );

  routes.get(
    '/v1/evidence/verify',
    {
      onRequest: operatorsOnly,
      schema: {
        tags: ['Evidence'],
        operationId: 'verifyEvidence',
        summary: 'Checks the hash chains and signed checkpoints (what `jml audit verify` checks)',
        description:
          'Walks every chain (or the records of a window) and names the first record of each chain that ' +
          'was edited, deleted, inserted or reordered, or a checkpoint whose signature does not verify with ' +
          "this process's public key. `intact: false` is an answer, not an error: the answer is 200 either way.",
        security: [{ bearer: [] }],
        querystring: verifyQuery,
        response: { 200: verifyReportSchema, ...bearerErrors, 503: unavailable },
      },
    },
    async (request) => {
      const window = lenientWindowOf(request.query.from, request.query.to);
      const report = await reading(options, request, (sql) =>
        verifyChains(sql, { ...window, publicKeys: trustedKeys(options) }),
      );
      request.log[report.intact ? 'info' : 'error'](
        { intact: report.intact, chains: report.chains, problems: report.problems.length },
        'evidence chains verified',
      );
      return report;
    },
  );
}
