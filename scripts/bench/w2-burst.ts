// W2: many leavers at once across two SCIM applications (people jml finds in the applications, tied
// to them by externalId): the makespan from the first HR event to the last leaver verified, whether
// every one was verified and none lost, beside the Temporal floor for as many workflows of the
// leaver's shape at once on the same server.
import type { Client } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import { startService } from '../../workers/service';
import { countCpu, cpuLine } from './cpu';
import { estateConfig, seedPeople, startEstate } from './estate';
import type { Floor } from './floor';
import { hrEvent, person, postEvents } from './hr';
import { guardLine, withGuardAbove } from './guard';
import { ratio } from './stats';

export async function burstOfLeavers(
  client: Client,
  address: string,
  floor: Floor,
  options: { leavers: number; latencyMs: number },
): Promise<void> {
  const estate = await startEstate({
    applications: 2,
    latencyMs: options.latencyMs,
    groups: ['g1', 'g2'],
    prefix: 'bst',
  });
  const service = await startService({
    loaded: withGuardAbove(estateConfig(estate, 'disable'), options.leavers),
    temporal: { address, namespace: 'default', taskQueue: 'bench-w2' },
    logger: createLogger('bench').child({}, { level: 'warn' }),
    httpPort: 0,
  });
  try {
    const people = Array.from({ length: options.leavers }, (_, i) => person(200_000 + i));
    await Promise.all(
      estate.apps.map((app) =>
        seedPeople(
          app,
          people.map((p) => ({ userName: p.userName, employeeId: p.id })),
          estate.groups,
        ),
      ),
    );
    const cpu = countCpu();
    const start = performance.now();
    const sentAgain = await postEvents(
      service.apiUrl,
      people.map((p) => hrEvent('terminate', p, 'burst')),
      5,
    );
    const sent = performance.now() - start;
    const results = await Promise.all(
      people.map((p) =>
        client.workflow
          .getHandle(identityWorkflowId(p.id))
          .result()
          .then((r: IdentityResult) => r)
          .catch(() => undefined),
      ),
    );
    const makespan = performance.now() - start;
    const jmlCpu = cpu();
    const finished = results.filter((r) => r !== undefined);
    const verified = finished.filter((r) => r.leaver.applications.every((a) => a.outcome === 'verified'));
    const floorCpu = countCpu();
    const regular = await floor.run({
      applications: 2,
      local: false,
      count: options.leavers,
      together: true,
    });
    const regularCpu = floorCpu();
    // jml's own shape: each application's deprovision reads back in the same call.
    const single = await floor.run({
      applications: 2,
      local: false,
      count: options.leavers,
      together: true,
      callsPerApplication: 1,
    });
    console.log(
      `W2 ${options.leavers} leavers at once, 2 SCIM applications ${options.latencyMs} ms away, 2 groups each`,
    );
    console.log(guardLine(options.leavers));
    console.log(
      `  jml: makespan ${(makespan / 1000).toFixed(1)} s (all HR events accepted after ${(sent / 1000).toFixed(1)} s, ${sentAgain} sent again after a 503 and its Retry-After), ${(options.leavers / (makespan / 1000)).toFixed(1)} leavers/s; finished ${finished.length}, every application verified for ${verified.length}, lost ${options.leavers - finished.length}`,
    );
    console.log(
      `  Temporal floor, ${options.leavers} no-op workflows of the leaver's shape at once: makespan ${(regular.makespan / 1000).toFixed(1)} s, ${(options.leavers / (regular.makespan / 1000)).toFixed(1)}/s`,
    );
    console.log(
      `  Temporal floor of jml's shape (1 + 2 activities), as many at once: makespan ${(single.makespan / 1000).toFixed(1)} s, ${(options.leavers / (single.makespan / 1000)).toFixed(1)}/s`,
    );
    console.log(`  CPU during jml's burst: ${cpuLine(jmlCpu)}`);
    console.log(`  CPU during the floor (1 + 2 × 2): ${cpuLine(regularCpu)}`);
    console.log(
      `  ratio jml / floor (makespan): ${ratio(makespan, regular.makespan)}; jml / floor of its shape ${ratio(makespan, single.makespan)}`,
    );
  } finally {
    await service.stop();
    await estate.stop();
  }
}
