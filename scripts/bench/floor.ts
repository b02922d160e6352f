// Runs the Temporal floor (floor-workflows.ts) on its own task queue of the benchmark's dev server.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { eagerActivitySlots } from '../../workers/eager-activities';

export interface Floor {
  /** Starts `count` floor workflows at once (one at a time when count is 1) and times each from start to result. */
  run(options: {
    applications: number;
    local: boolean;
    count: number;
    together?: boolean;
    /** Calls per application after the planning call (default 2: a change and a read-back). */
    callsPerApplication?: number;
    /** Whether the worker takes the activities a task schedules back eagerly (default true, as jml's). */
    eager?: boolean;
  }): Promise<{
    each: number[];
    makespan: number;
  }>;
  stop(): Promise<void>;
}

export async function startFloor(client: Client, address: string): Promise<Floor> {
  const connection = await NativeConnection.connect({ address });
  // Two workers of the same floor: one takes a task's activities back eagerly, as jml's worker does,
  // the other (no eager slots) gets every one through the task queue, to show what eager dispatch saves.
  const queues = { eager: `bench-floor-${randomUUID()}`, polled: `bench-floor-polled-${randomUUID()}` };
  const workers = await Promise.all(
    [queues.eager, queues.polled].map((taskQueue) =>
      Worker.create({
        connection,
        taskQueue,
        // The client's own (encrypted) converter, so that the floor pays what jml's workers pay.
        dataConverter: client.options.dataConverter,
        workflowsPath: require.resolve('./floor-workflows'),
        activities: { nothing: () => Promise.resolve() },
        // As jml's worker takes a step's calls (the benchmark's widest leaver has 10 applications).
        maxEagerActivityReservationsPerWorkflowTask: taskQueue === queues.eager ? eagerActivitySlots(10) : 0,
      }),
    ),
  );
  const running = Promise.all(workers.map((w) => w.run()));
  const once = async (applications: number, local: boolean, calls: number, eager: boolean) => {
    const start = performance.now();
    await client.workflow.execute('leaverShape', {
      workflowId: `floor-${randomUUID()}`,
      taskQueue: eager ? queues.eager : queues.polled,
      args: [applications, local, calls],
    });
    return performance.now() - start;
  };
  return {
    async run({ applications, local, count, together = false, callsPerApplication = 2, eager = true }) {
      const start = performance.now();
      const each: number[] = [];
      const one = () => once(applications, local, callsPerApplication, eager);
      if (together) each.push(...(await Promise.all(Array.from({ length: count }, one))));
      else for (let i = 0; i < count; i++) each.push(await one());
      return { each, makespan: performance.now() - start };
    },
    async stop() {
      for (const w of workers) w.shutdown();
      await running;
      await connection.close();
    },
  };
}
