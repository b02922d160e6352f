// The manual task channel against a real HTTP endpoint: what a ticketing system receives, how its
// errors are classified, and that the log line carries no account name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualTaskChannel, type TaskNotice } from '../../connectors/manual/task-channel';
import { PermanentConnectorError, TransientConnectorError } from '../../connectors/errors';
import type { ManualApplicationConfig } from '../../domain/config';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

let hook: WebhookReceiver;
before(async () => (hook = await startWebhookReceiver()));
after(() => hook?.stop());

function app(webhook?: ManualApplicationConfig['webhook']): ManualApplicationConfig {
  return {
    id: 'badge',
    kind: 'manual',
    deprovision: 'delete',
    requestTimeout: 2000,
    fulfillers: ['F0001'],
    escalateTo: [],
    taskTimeout: 86_400_000,
    leaverTask: 'when-granted',
    webhook,
  };
}

const notice: TaskNotice = {
  kind: 'opened',
  taskId: 'task-0000abcd-1-E1001',
  appId: 'badge',
  employeeId: 'E1001',
  userName: 'ada.lovelace',
  grant: ['badge-hq'],
  revoke: [],
  instructions: 'create the account if missing and grant badge-hq',
  assignees: ['F0001'],
  deadline: '2026-11-23T10:00:00.000Z',
  complete: 'send the taskDone signal',
};

function recordingLog() {
  const lines: { fields: object; message: string }[] = [];
  return { lines, info: (fields: object, message: string) => void lines.push({ fields, message }) };
}

void test('a task is POSTed as JSON with the bearer token, and logged without the account name', async () => {
  const log = recordingLog();
  const channel = new ManualTaskChannel(app({ url: hook.url, token: 'hook-token' }), log);
  await channel.send(notice);
  const post = hook.received.at(-1);
  assert.equal(post?.headers.authorization, 'Bearer hook-token');
  assert.equal(post?.headers['content-type'], 'application/json');
  assert.deepEqual(post?.body, notice);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!.message, /manual task opened in badge: create the account .* for E1001/);
  assert.doesNotMatch(JSON.stringify(log.lines[0]), /ada\.lovelace/);
});

void test('without a webhook the log line is the task', async () => {
  const log = recordingLog();
  const before = hook.received.length;
  await new ManualTaskChannel(app(), log).send(notice);
  assert.equal(hook.received.length, before);
  assert.deepEqual(
    (log.lines[0]?.fields as { task: { taskId: string } }).task.taskId,
    'task-0000abcd-1-E1001',
  );
});

void test('503 with Retry-After is transient, 400 is permanent, an unreachable hook is transient', async () => {
  const channel = new ManualTaskChannel(app({ url: hook.url }), recordingLog());
  hook.answerWith({ status: 503, headers: { 'retry-after': '7' } }, { status: 400 });
  await assert.rejects(channel.send(notice), (error: unknown) => {
    assert.ok(error instanceof TransientConnectorError);
    assert.equal(error.retryAfterMs, 7000);
    assert.match(error.message, /badge: task webhook answered 503/);
    return true;
  });
  await assert.rejects(channel.send(notice), PermanentConnectorError);
  const closed = await startWebhookReceiver();
  await closed.stop();
  await assert.rejects(
    new ManualTaskChannel(app({ url: closed.url }), recordingLog()).send(notice),
    TransientConnectorError,
  );
});
