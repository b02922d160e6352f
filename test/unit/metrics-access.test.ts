// Who may scrape metrics (the metrics token or the API token, never a personal token or nothing),
// and where a worker of its own serves them (JML_METRICS_PORT, JML_METRICS_HOST), refused at the
// variable when invalid.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mayReadMetrics } from '../../api/metrics-auth';
import { issuePersonalToken } from '../../api/personal-token';
import { ConfigError } from '../../config/load';
import { metricsListenFromEnv } from '../../workers/metrics-server';

const tokens = { apiToken: 'api-token-1234', metricsToken: 'metrics-token-5678' };

void describe('mayReadMetrics', () => {
  void test('the metrics token and the API token read metrics', () => {
    assert.equal(mayReadMetrics(tokens, 'Bearer metrics-token-5678'), true);
    assert.equal(mayReadMetrics(tokens, 'Bearer api-token-1234'), true);
    assert.equal(mayReadMetrics({ apiToken: 'api-token-1234' }, 'Bearer api-token-1234'), true);
  });

  void test('no header, another scheme, a wrong or truncated token, or a personal token do not', () => {
    const personal = issuePersonalToken('E0001', 'personal-secret', 60_000);
    for (const header of [
      undefined,
      '',
      'Basic metrics-token-5678',
      'Bearer metrics-token-567',
      'Bearer metrics-token-56789',
      'Bearer ',
      `Bearer ${personal}`,
    ]) {
      assert.equal(mayReadMetrics(tokens, header), false, String(header));
    }
    assert.equal(mayReadMetrics({ apiToken: 'api-token-1234' }, 'Bearer metrics-token-5678'), false);
  });
});

void describe('metricsListenFromEnv', () => {
  void test('without JML_METRICS_PORT a worker serves no metrics; with it, on 127.0.0.1 unless JML_METRICS_HOST', () => {
    assert.equal(metricsListenFromEnv({}), undefined);
    assert.deepEqual(metricsListenFromEnv({ JML_METRICS_PORT: '9464' }), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(metricsListenFromEnv({ JML_METRICS_PORT: '0', JML_METRICS_HOST: '0.0.0.0' }), {
      host: '0.0.0.0',
      port: 0,
    });
  });

  void test('a port that is not one is refused, naming the variable', () => {
    for (const [port, message] of [
      ['nine', 'must be a port number (0 takes a free one)'],
      ['-1', 'must be a port number (0 takes a free one)'],
      ['70000', 'must be a port number up to 65535'],
    ] as const) {
      assert.throws(
        () => metricsListenFromEnv({ JML_METRICS_PORT: port }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.length === 1 &&
          error.problems[0]!.path === 'JML_METRICS_PORT' &&
          error.problems[0]!.message === message,
      );
    }
  });
});
