// The mass-termination guard's activities: counting the workforce in Temporal's visibility, handing
// released terminations to the same intake HR events use, and the ALERT line for people watching logs.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { HrEvent } from '../domain/hr-event';
import { settleEach } from '../connectors/concurrency';
import type { IdentitySettings } from '../workflows/messages';

/** Released terminations handed to the intake at once. */
const RELEASES_AT_ONCE = 8;

/**
 * The intake's delivery to the person's workflow, past the guard (api/intake.ts deliverHrEvent). The
 * worker passes it in, so activities do not reach up into the front doors.
 */
export type DeliverHrEvent = (
  intake: { client: Client; taskQueue: string; settings: IdentitySettings },
  event: HrEvent,
) => Promise<{ status: string }>;

/** What the guard tells people watching the logs; ids and counts only, never a name. */
export interface GuardAlert {
  kind: 'holding' | 'released' | 'dropped';
  guardWorkflowId: string;
  /** Terminations held after this. */
  held: number;
  /** Terminations admitted in the last hour, and the limit they are held at. */
  admittedInWindow: number;
  limit: number;
  approvers: string[];
  /** For a decision: who decided, how authenticated, and how many terminations it was about. */
  decision?: { approver: string; via: string; terminations: number };
}

export interface TerminationGuardDeps {
  deliver: DeliverHrEvent;
  logger?: Pick<Logger, 'warn'>;
}

export type TerminationGuardActivities = ReturnType<typeof terminationGuardActivities>;

export function terminationGuardActivities({ deliver, logger }: TerminationGuardDeps) {
  return {
    /**
     * The people employed now, as Temporal's visibility knows them: running identity workflows of this
     * task queue whose stage is joining, active or moving (one count query; no workflow is asked).
     */
    async countWorkforce(): Promise<number> {
      const { client, info } = Context.current();
      const stages = ['joining', 'active', 'moving'].map((s) => `LifecycleStage = "${s}"`).join(' OR ');
      const query =
        `TaskQueue = "${info.taskQueue}" AND ExecutionStatus = "Running" AND ` +
        `WorkflowType = "identityWorkflow" AND (${stages})`;
      return (await client.workflow.count(query)).count;
    },

    /** Hands each released termination to the person's workflow, which processes each eventId once. */
    async releaseHeldTerminations({
      events,
      settings,
    }: {
      events: HrEvent[];
      settings: IdentitySettings;
    }): Promise<{ eventId: string; status: string }[]> {
      const { client, info } = Context.current();
      const intake = { client, taskQueue: info.taskQueue, settings };
      const answers: { eventId: string; status: string }[] = [];
      await settleEach(events, RELEASES_AT_ONCE, async (event) => {
        const { status } = await deliver(intake, event);
        answers.push({ eventId: event.eventId, status });
      });
      return answers;
    },

    /** The ALERT line: a notifier or a log-based alert rule can forward it to the approvers. */
    alertTerminationGuard(alert: GuardAlert): Promise<void> {
      const what = {
        holding: `holding ${alert.held} termination(s) for approval by ${alert.approvers.join(', ') || 'nobody: guard.approvers is empty'}`,
        released: `${alert.decision?.approver} released ${alert.decision?.terminations} held termination(s)`,
        dropped: `${alert.decision?.approver} dropped ${alert.decision?.terminations} held termination(s)`,
      }[alert.kind];
      logger?.warn(
        { terminationGuard: alert },
        `ALERT mass-termination guard: ${what} (${alert.admittedInWindow} admitted in the last hour, ` +
          `limit ${alert.limit}; ${alert.held} held; workflow ${alert.guardWorkflowId})`,
      );
      return Promise.resolve();
    },
  };
}
