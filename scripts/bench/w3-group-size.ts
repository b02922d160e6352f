// W3: a leaver's cost against the size of the groups it leaves. One SCIM application 50 ms away, two
// groups that hold 5, then 5,000 other members: requests, bytes downloaded and time per leaver. A
// cost that grows with the group would show here as a ratio above 1.
import type { Client } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import { identityWorkflowId } from '../../domain/lifecycle';
import { startService } from '../../workers/service';
import { statusQuery } from '../../workflows/messages';
import { estateConfig, groupIds, scriptedLeaver, seedPeople, startEstate } from './estate';
import { guardLine, withGuardAbove } from './guard';
import { hrEvent, person, postEvent } from './hr';
import { fmt, ratio, stats } from './stats';

interface GroupSizeFigures {
  members: number;
  time: ReturnType<typeof stats>;
  /** The same removals by a plain script on the same application: what the server itself takes. */
  script: ReturnType<typeof stats>;
  requests: number;
  kilobytes: number;
}

async function leaversBeside(
  client: Client,
  address: string,
  options: { members: number; leavers: number; latencyMs: number },
): Promise<GroupSizeFigures> {
  const estate = await startEstate({
    applications: 1,
    latencyMs: options.latencyMs,
    groups: ['g1', 'g2'],
    prefix: `w3m${options.members}-`,
  });
  // The other members, seeded straight into the application (not counted: not through the proxy).
  const others = Array.from({ length: options.members }, (_, i) => ({
    userName: `member.${options.members}.${i}`,
    employeeId: `M${options.members}-${i}`,
  }));
  await seedPeople(estate.apps[0]!, others, estate.groups);
  const service = await startService({
    loaded: withGuardAbove(estateConfig(estate, 'disable'), options.leavers),
    temporal: { address, namespace: 'default', taskQueue: `bench-w3-${options.members}` },
    logger: createLogger('bench').child({}, { level: 'warn' }),
    httpPort: 0,
  });
  try {
    const times: number[] = [];
    const requests: number[] = [];
    const bytes: number[] = [];
    const proxy = estate.apps[0]!.proxy;
    for (let i = 0; i < options.leavers; i++) {
      const who = person(300_000 + options.members * 10 + i);
      await postEvent(service.apiUrl, hrEvent('hire', who, 'w3'));
      const handle = client.workflow.getHandle(identityWorkflowId(who.id));
      while ((await handle.query(statusQuery)).stage !== 'active')
        await new Promise((r) => setTimeout(r, 10));
      const [seenRequests, seenBytes] = [proxy.requests, proxy.answerBytes];
      const start = performance.now();
      await postEvent(service.apiUrl, hrEvent('terminate', who, 'w3'));
      await handle.result();
      times.push(performance.now() - start);
      requests.push(proxy.requests - seenRequests);
      bytes.push(proxy.answerBytes - seenBytes);
    }
    // The script's leavers are seeded straight in, then removed by the sequential script.
    const scripted = Array.from({ length: options.leavers }, (_, i) =>
      person(400_000 + options.members * 10 + i),
    );
    const app = estate.apps[0]!;
    await seedPeople(
      app,
      scripted.map((p) => ({ userName: p.userName, employeeId: p.id })),
      estate.groups,
    );
    const ids = await groupIds(app);
    const script: number[] = [];
    for (const p of scripted) {
      const start = performance.now();
      await scriptedLeaver([{ app, groups: ids }], p.userName, estate.groups);
      script.push(performance.now() - start);
    }
    return {
      members: options.members,
      time: stats(times),
      script: stats(script),
      requests: stats(requests).median,
      kilobytes: stats(bytes).median / 1024,
    };
  } finally {
    await service.stop();
    await estate.stop();
  }
}

export async function groupSizeLeavers(
  client: Client,
  address: string,
  options: { sizes: number[]; leavers: number; latencyMs: number },
): Promise<void> {
  const figures: GroupSizeFigures[] = [];
  for (const members of options.sizes)
    figures.push(await leaversBeside(client, address, { ...options, members }));
  console.log(
    `W3 leavers of two groups by their size, 1 SCIM application ${options.latencyMs} ms away, deprovision: disable, ${options.leavers} leavers per size`,
  );
  console.log(guardLine(options.leavers));
  for (const f of figures) {
    console.log(
      `  groups of ${String(f.members).padStart(5)} other members: jml ${fmt(f.time)}; requests per leaver ${f.requests.toFixed(1)}; answers downloaded ${f.kilobytes.toFixed(1)} KiB`,
    );
    console.log(`  ${' '.repeat(33)}sequential script, same removals: ${fmt(f.script)}`);
  }
  const [small, large] = [figures[0]!, figures.at(-1)!];
  console.log(
    `  ratios (largest / smallest groups): jml time ${ratio(large.time.median, small.time.median)}, script time ${ratio(large.script.median, small.script.median)} (the server's own cost); jml requests ${ratio(large.requests, small.requests)}; bytes ${ratio(large.kilobytes, small.kilobytes)}`,
  );
}
