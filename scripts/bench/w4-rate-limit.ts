// W4: a burst of leavers against one SCIM application that serves R requests a second and answers
// 429 (Retry-After: 1) beyond that, once with `rateLimit: R` declared and once without: the requests
// it served per second as a share of R, the 429s it had to send, and the leavers' throughput beside
// the most R allows for requests of that count.
import type { Client } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import { startService } from '../../workers/service';
import { estateConfig, seedPeople, startEstate } from './estate';
import { guardLine, withGuardAbove } from './guard';
import { hrEvent, person, postEvents } from './hr';

interface RateFigures {
  makespanS: number;
  served: number;
  refused: number;
  verified: number;
}

async function burstAgainstLimit(
  client: Client,
  address: string,
  options: { rate: number; leavers: number; latencyMs: number; declared: boolean; base: number },
): Promise<RateFigures> {
  const estate = await startEstate({
    applications: 1,
    latencyMs: options.latencyMs,
    groups: ['g1', 'g2'],
    prefix: options.declared ? 'w4lim' : 'w4open',
  });
  const proxy = estate.apps[0]!.proxy;
  const people = Array.from({ length: options.leavers }, (_, i) => person(options.base + i));
  await seedPeople(
    estate.apps[0]!,
    people.map((p) => ({ userName: p.userName, employeeId: p.id })),
    estate.groups,
  );
  proxy.limitRate(options.rate);
  const service = await startService({
    loaded: withGuardAbove(
      estateConfig(estate, 'disable', options.declared ? { rateLimit: options.rate } : {}),
      options.leavers,
    ),
    temporal: {
      address,
      namespace: 'default',
      taskQueue: `bench-w4-${options.declared ? 'limited' : 'open'}`,
    },
    logger: createLogger('bench').child({}, { level: 'warn' }),
    httpPort: 0,
  });
  try {
    const start = performance.now();
    await postEvents(
      service.apiUrl,
      people.map((p) => hrEvent('terminate', p, 'w4')),
      5,
    );
    const results = await Promise.all(
      people.map((p) =>
        client.workflow
          .getHandle(identityWorkflowId(p.id))
          .result()
          .then((r: IdentityResult) => r),
      ),
    );
    const makespanS = (performance.now() - start) / 1000;
    return {
      makespanS,
      served: proxy.requests - proxy.rateLimited,
      refused: proxy.rateLimited,
      verified: results.filter((r) => r.leaver.applications.every((a) => a.outcome === 'verified')).length,
    };
  } finally {
    await service.stop();
    await estate.stop();
  }
}

export async function rateLimitedLeavers(
  client: Client,
  address: string,
  options: { rate: number; leavers: number; latencyMs: number },
): Promise<void> {
  const declared = await burstAgainstLimit(client, address, { ...options, declared: true, base: 500_000 });
  const open = await burstAgainstLimit(client, address, { ...options, declared: false, base: 600_000 });
  const R = options.rate;
  console.log(
    `W4 ${options.leavers} leavers at once, 1 SCIM application ${options.latencyMs} ms away serving R = ${R} requests/s (429 and Retry-After: 1 beyond it), 2 groups each`,
  );
  console.log(guardLine(options.leavers));
  for (const [label, f] of [
    [`rateLimit: ${R} declared`, declared],
    ['no rateLimit declared', open],
  ] as const) {
    const perSecond = f.served / f.makespanS;
    const perLeaver = f.served / options.leavers;
    const leaversPerSecond = options.leavers / f.makespanS;
    console.log(
      `  ${label.padEnd(22)} makespan ${f.makespanS.toFixed(1)} s; served ${perSecond.toFixed(1)} requests/s = ${((100 * perSecond) / R).toFixed(0)}% of R; refused 429 ${f.refused}; ${leaversPerSecond.toFixed(2)} leavers/s (${perLeaver.toFixed(1)} requests each: at most ${(R / perLeaver).toFixed(2)}/s at R, ${((100 * leaversPerSecond * perLeaver) / R).toFixed(0)}%); every application verified for ${f.verified} of ${options.leavers}`,
    );
  }
}
