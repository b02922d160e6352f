// Which task queue an application's calls go to. An application that declares limits has one of its
// own, `<taskQueue>-app-<appId>`, so Temporal itself spreads its calls over every worker within its
// rate (maxTaskQueueActivitiesPerSecond holds across all of them); every other application's calls
// stay on the main task queue.
import type { ApplicationConfig } from './config';

export function applicationTaskQueue(taskQueue: string, appId: string): string {
  return `${taskQueue}-app-${appId}`;
}

/** True for an application with an API that declares a rate limit or a concurrency limit. */
export function isLimited(app: ApplicationConfig): app is Exclude<ApplicationConfig, { kind: 'manual' }> {
  return app.kind !== 'manual' && (app.rateLimit !== undefined || app.maxConcurrency !== undefined);
}

/** The task queue of each limited application, by application id. */
export function applicationTaskQueues(taskQueue: string, apps: ApplicationConfig[]): Record<string, string> {
  return Object.fromEntries(
    apps.filter(isLimited).map((app) => [app.id, applicationTaskQueue(taskQueue, app.id)]),
  );
}
