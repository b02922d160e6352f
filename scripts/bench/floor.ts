// Runs the Temporal floor (floor-workflows.ts) on its own task queue of the benchmark's dev server.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

export interface Floor {
  /** Starts `count` floor workflows at once (one at a time when count is 1) and times each from start to result. */
  run(options: {
    applications: number;
    local: boolean;
    count: number;
    together?: boolean;
    /** Calls per application after the planning call (default 2: a change and a read-back). */
    callsPerApplication?: number;
  }): Promise<{
    each: number[];
    makespan: number;
  }>;
  stop(): Promise<void>;
}

export async function startFloor(client: Client, address: string): Promise<Floor> {
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `bench-floor-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    // The client's own (encrypted) converter, so that the floor pays what jml's workers pay.
    dataConverter: client.options.dataConverter,
    workflowsPath: require.resolve('./floor-workflows'),
    activities: { nothing: () => Promise.resolve() },
  });
  const running = worker.run();
  const once = async (applications: number, local: boolean, calls: number) => {
    const start = performance.now();
    await client.workflow.execute('leaverShape', {
      workflowId: `floor-${randomUUID()}`,
      taskQueue,
      args: [applications, local, calls],
    });
    return performance.now() - start;
  };
  return {
    async run({ applications, local, count, together = false, callsPerApplication = 2 }) {
      const start = performance.now();
      const each: number[] = [];
      const one = () => once(applications, local, callsPerApplication);
      if (together) each.push(...(await Promise.all(Array.from({ length: count }, one))));
      else for (let i = 0; i < count; i++) each.push(await one());
      return { each, makespan: performance.now() - start };
    },
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
