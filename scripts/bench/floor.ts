// Runs the Temporal floor (floor-workflows.ts) on its own task queue of the benchmark's dev server.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

export interface Floor {
  /** Starts `count` floor workflows at once (one at a time when count is 1) and times each from start to result. */
  run(options: { applications: number; local: boolean; count: number; together?: boolean }): Promise<{
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
  const once = async (applications: number, local: boolean) => {
    const start = performance.now();
    await client.workflow.execute('leaverShape', {
      workflowId: `floor-${randomUUID()}`,
      taskQueue,
      args: [applications, local],
    });
    return performance.now() - start;
  };
  return {
    async run({ applications, local, count, together = false }) {
      const start = performance.now();
      const each: number[] = [];
      if (together)
        each.push(...(await Promise.all(Array.from({ length: count }, () => once(applications, local)))));
      else for (let i = 0; i < count; i++) each.push(await once(applications, local));
      return { each, makespan: performance.now() - start };
    },
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
