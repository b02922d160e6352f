// Reconciliation on request (`jml reconcile`): a run started now, beside the Schedule's, and any run's
// report from the evidence database, while it runs and once it has finished. Operators only: the API token.
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isUnavailable } from '../../evidence/pg-client';
import { outcomesOf, readRun, runItems } from '../../evidence/reconciliation-store';
import { noOutcomes } from '../../domain/reconciliation';
import { reconciliationWorkflow } from '../../workflows/reconciliation';
import { bearerAuth } from '../auth';
import { bearerErrors, errorSchema, notFound } from '../contract/errors';
import { reconciliationReportSchema, reconciliationStartedSchema } from '../contract/reconciliation';
import { HttpError } from '../http-error';
import { OPTIONAL_BODY } from '../openapi-finish';
import type { ApiOptions } from '../options';
import { RETRY_AFTER_SECONDS, withTemporal } from '../temporal-unavailable';
import { appIdSchema } from '../../domain/app-id';

export const reconcileBodySchema = z.strictObject({
  appId: appIdSchema.optional().describe('only this application; absent: every configured one'),
});

const runParams = z.object({
  runId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^reconciliation-[A-Za-z0-9._:@-]+$/, 'must be a reconciliation run id (reconciliation-…)'),
});

const reportQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(1000)
    .describe('findings to include at most (`itemCount` says how many there are)'),
});

const unavailable = errorSchema.describe(
  '`evidence_unavailable`: this process holds no evidence store, or it cannot be read now; retry after `Retry-After` seconds',
);

/** A run id for a run started on request: sortable by time, like the Schedule's, and unique. */
function requestedRunId(taskQueue: string): string {
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
  return `reconciliation-${taskQueue}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function reconciliationRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const operatorsOnly = bearerAuth(options, { serviceOnly: true });

  routes.post(
    '/v1/reconciliations',
    {
      config: { invalidBody: 'invalid_reconciliation' },
      onRequest: operatorsOnly,
      schema: {
        tags: ['Reconciliation'],
        operationId: 'startReconciliation',
        summary: "Reconcile every application (or one) now: each account against HR's and jml's records",
        description:
          'Starts a reconciliation run, as the Schedule does each `reconciliation.interval`: every account is ' +
          'listed and classified (orphan, unlinked, drift, missing), what the application settings allow is ' +
          'remediated through the people’s workflows and read back. `GET /v1/reconciliations/{runId}` answers ' +
          'its report. No body: every application.',
        [OPTIONAL_BODY]: true,
        security: [{ bearer: [] }],
        body: reconcileBodySchema,
        response: { 202: reconciliationStartedSchema, ...bearerErrors, 404: notFound },
      },
    },
    async (request, reply) => {
      const { appId } = request.body ?? {};
      if (appId && options.applicationIds && !options.applicationIds.includes(appId)) {
        throw new HttpError(404, { error: 'not_found', message: `no application "${appId}" is configured` });
      }
      const runId = requestedRunId(options.taskQueue);
      await withTemporal(options.client, deadlineMs, () =>
        options.client.workflow.start(reconciliationWorkflow, {
          workflowId: runId,
          taskQueue: options.taskQueue,
          args: [{ trigger: 'request', ...(appId ? { appIds: [appId] } : {}) }],
          staticSummary: `Reconciliation of ${appId ?? 'every application'} (on request)`,
        }),
      );
      request.log.info({ runId, appId }, 'reconciliation started');
      return reply.code(202).send({ runId, workflowId: runId, ...(appId ? { appId } : {}) });
    },
  );

  routes.get(
    '/v1/reconciliations/:runId',
    {
      config: { invalidParams: 'invalid_run_id' },
      onRequest: operatorsOnly,
      schema: {
        tags: ['Reconciliation'],
        operationId: 'getReconciliation',
        summary: "A reconciliation run's report: counts per application and class, and each finding",
        description:
          'While the run is under way: `status: running` and the findings so far. Once finished: per ' +
          'application whether the listing was complete (an unverifiable listing is never clean), the counts ' +
          'per class, and each finding with what was done and whether it was read back as remediated.',
        security: [{ bearer: [] }],
        params: runParams,
        querystring: reportQuery,
        response: {
          200: reconciliationReportSchema,
          ...bearerErrors,
          404: notFound.describe('no such run'),
          503: unavailable,
        },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const { limit } = request.query;
      if (!options.evidence) throw evidenceUnavailable('this API process holds no evidence store');
      const sql = options.evidence.reader;
      const read = async () => {
        const run = await readRun(sql, runId);
        if (!run) return undefined;
        const items = await runItems(sql, runId, limit);
        if (run.report) return { ...run.report, items };
        const outcomes = await outcomesOf(sql, runId);
        return {
          runId,
          trigger: run.trigger,
          status: 'running' as const,
          startedAt: run.startedAt,
          applications: [],
          outcomes,
          items,
          itemCount: Object.values(outcomes).reduce((a, b) => a + b, 0),
        };
      };
      let report;
      try {
        report = await read();
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        throw evidenceUnavailable('the evidence store cannot be read now');
      }
      if (report) return report;
      // Started a moment ago: the run has not recorded itself yet.
      const started = await withTemporal(options.client, deadlineMs, async () => {
        try {
          const { status } = await options.client.workflow.getHandle(runId).describe();
          return status.name === 'RUNNING';
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        }
      });
      if (!started)
        throw new HttpError(404, { error: 'not_found', message: `no reconciliation run ${runId}` });
      return {
        runId,
        trigger: 'request',
        status: 'running' as const,
        applications: [],
        outcomes: noOutcomes(),
        items: [],
        itemCount: 0,
      };
    },
  );
}

function evidenceUnavailable(message: string): HttpError {
  return new HttpError(
    503,
    { error: 'evidence_unavailable', message },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}
