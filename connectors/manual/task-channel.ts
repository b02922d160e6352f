// How a manual application's fulfillers hear of work: a JSON POST to a webhook (a ticketing system's
// inbound hook, a chat bot) and always a structured log line. Knows nothing of Temporal.
import type { ManualApplicationConfig } from '../../domain/config';
import type { ManualWork } from '../../domain/lifecycle';
import { PermanentConnectorError, TransientConnectorError, isTransientNetworkError } from '../errors';
import { parseRetryAfter } from '../scim/scim-http';

/** One notice about a task: opened, or escalated because it is overdue. */
export interface TaskNotice extends ManualWork {
  kind: 'opened' | 'escalated';
  taskId: string;
  appId: string;
  employeeId: string;
  /** The account name in the application; sent to the webhook, never logged. */
  userName: string;
  instructions: string;
  assignees: string[];
  deadline: string;
  /** How to say it is done. */
  complete: string;
}

export interface TaskLog {
  info(fields: object, message: string): void;
}

export class ManualTaskChannel {
  constructor(
    private readonly app: ManualApplicationConfig,
    private readonly log: TaskLog,
  ) {}

  async send(notice: TaskNotice): Promise<void> {
    const { userName: _userName, ...loggable } = notice;
    this.log.info(
      { task: loggable },
      `manual task ${notice.kind} in ${notice.appId}: ${notice.instructions} for ${notice.employeeId}`,
    );
    if (this.app.webhook) await this.post(this.app.webhook, notice);
  }

  private async post(webhook: NonNullable<ManualApplicationConfig['webhook']>, notice: TaskNotice) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.token) headers.authorization = `Bearer ${webhook.token}`;
    const what = `${this.app.id}: task webhook`;
    let response: Response;
    try {
      response = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(this.app.requestTimeout),
      });
    } catch (error) {
      const message = `${what} failed: ${error instanceof Error ? error.message : String(error)}`;
      if (isTransientNetworkError(error))
        throw new TransientConnectorError(message, undefined, { cause: error });
      throw new PermanentConnectorError(message, { cause: error });
    }
    await response.body?.cancel();
    if (response.ok) return;
    const detail = `${what} answered ${response.status}`;
    if (response.status === 429 || response.status >= 500) {
      throw new TransientConnectorError(detail, parseRetryAfter(response.headers.get('retry-after')));
    }
    throw new PermanentConnectorError(detail);
  }
}
