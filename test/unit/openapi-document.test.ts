// The committed openapi.json is the contract reviewers read: it must be what the routes generate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUMAN_TEXT_FIELDS, HUMAN_TEXT_PATTERN } from '../../api/contract/hr-event-body';
import { generateOpenApiDocument } from '../../api/openapi-document';
import { employeeSchema } from '../../domain/hr-event';

interface Operation {
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean };
  responses: Record<string, unknown>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const committed = () =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as Document;

void test('openapi.json is the document the routes generate (run `npm run openapi` after changing the API)', async () => {
  assert.deepEqual(committed(), await generateOpenApiDocument());
});

void test('the document describes every route with its authentication and answers', () => {
  const { openapi, paths } = committed();
  assert.equal(openapi, '3.1.0');
  assert.deepEqual(Object.keys(paths).sort(), [
    '/healthz',
    '/metrics',
    '/readyz',
    '/v1/approvals',
    '/v1/approvals/{requestId}',
    '/v1/evidence',
    '/v1/evidence/leavers/{employeeId}',
    '/v1/evidence/report',
    '/v1/evidence/verify',
    '/v1/guard',
    '/v1/guard/decisions',
    '/v1/hr/events',
    '/v1/hr/roster',
    '/v1/identities/{employeeId}',
    '/v1/identities/{employeeId}/retry',
    '/v1/identities/{employeeId}/skip',
    '/v1/reconciliations',
    '/v1/reconciliations/{runId}',
    '/v1/tasks',
    '/v1/tasks/{taskId}',
  ]);
  const hr = paths['/v1/hr/events']!.post!;
  assert.deepEqual(hr.security, [{ hrSignature: [] }]);
  assert.deepEqual(Object.keys(hr.responses).sort(), ['202', '400', '401', '413', '414', '503']);
  const roster = paths['/v1/hr/roster']!.post!;
  assert.deepEqual(roster.security, [{ hrSignature: [] }], 'a roster is signed like an HR event');
  assert.deepEqual(Object.keys(roster.responses).sort(), [
    '200',
    '202',
    '400',
    '401',
    '409',
    '413',
    '414',
    '503',
  ]);
  const metrics = paths['/metrics']!.get!;
  assert.deepEqual(metrics.security, [{ metricsBearer: [] }]);
  assert.deepEqual(Object.keys(metrics.responses).sort(), ['200', '401']);
  assert.ok('text/plain' in (metrics.responses['200'] as { content: object }).content);
  const retry = paths['/v1/identities/{employeeId}/retry']!.post!;
  assert.equal(retry.requestBody?.required, false, 'no body retries every failing application');
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (path.startsWith('/v1/') && !path.startsWith('/v1/hr/')) {
        assert.deepEqual(operation.security, [{ bearer: [] }], `${method} ${path}`);
        assert.ok('401' in operation.responses && '503' in operation.responses, `${method} ${path}`);
      }
    }
  }
});

void test("the document's pattern for names accepts exactly what the event schema accepts", () => {
  const pattern = new RegExp(HUMAN_TEXT_PATTERN, 'u');
  const samples = [
    'Ada',
    'Zoë Ünal-Ødegård',
    '李小龙',
    "O'Brien, Jr.",
    'tab\there',
    'new\nline',
    'nul\u0000',
    'del\u007f',
    'c1\u0085',
    'left\u202aembedding',
    'right\u202eoverride',
    'isolate\u2066x',
    'pop\u2069',
    'zero\u200bwidth',
  ];
  for (const field of HUMAN_TEXT_FIELDS) {
    for (const sample of samples) {
      assert.equal(
        pattern.test(sample),
        employeeSchema.shape[field].safeParse(sample).success,
        `${field}: ${JSON.stringify(sample)}`,
      );
    }
  }
});
