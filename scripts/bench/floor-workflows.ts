// The Temporal floor: a workflow of the leaver's activity shape whose activities do nothing, so the
// benchmark can set what jml spends orchestrating beside what Temporal itself costs on the same server.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

interface FloorActivities {
  nothing(): Promise<void>;
}

const regular = proxyActivities<FloorActivities>({ startToCloseTimeout: '1m' });
const local = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '1m' });

/**
 * One planning call, then per application `callsPerApplication` calls one after the other (a change
 * and a read-back: 2; a change that reads back: 1), the applications in parallel.
 */
export async function leaverShape(
  applications: number,
  useLocal: boolean,
  callsPerApplication = 2,
): Promise<void> {
  const { nothing } = useLocal ? local : regular;
  await nothing();
  await Promise.all(
    Array.from({ length: applications }, async () => {
      for (let i = 0; i < callsPerApplication; i++) await nothing();
    }),
  );
}
