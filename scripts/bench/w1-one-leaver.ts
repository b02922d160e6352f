// W1: one leaver at a time across ten SCIM applications, each 50 ms away: from the HR event's 202
// to every application verified, beside a sequential script doing the same removals and the
// Temporal floor (the leaver's activity shape with no-op activities) on the same server.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import { startService } from '../../workers/service';
import { statusQuery } from '../../workflows/messages';
import { actionsSinceLastSignal, type ActionCount } from './actions';
import { estateConfig, groupIds, scriptedLeaver, seedPeople, startEstate } from './estate';
import type { Floor } from './floor';
import { hrEvent, person, postEvent } from './hr';
import { guardLine, withGuardAbove } from './guard';
import { fmt, ratio, stats } from './stats';

/** The person is active and nothing of their hire is still under way (its evidence being written). */
async function hireSettled(handle: WorkflowHandle): Promise<boolean> {
  if ((await handle.query(statusQuery)).stage !== 'active') return false;
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? []).length === 0;
}

export async function oneLeaverAtATime(
  client: Client,
  address: string,
  floor: Floor,
  options: { people: number; applications: number; latencyMs: number; deprovision: 'disable' | 'delete' },
): Promise<void> {
  const logger = createLogger('bench').child({}, { level: 'warn' });
  const estate = await startEstate({
    applications: options.applications,
    latencyMs: options.latencyMs,
    groups: ['g1', 'g2'],
    prefix: options.deprovision === 'delete' ? 'del' : 'app',
  });
  const loaded = withGuardAbove(estateConfig(estate, options.deprovision), options.people);
  const taskQueue = `bench-w1-${options.deprovision}`;
  const service = await startService({
    loaded,
    temporal: { address, namespace: 'default', taskQueue },
    logger,
    httpPort: 0,
  });
  try {
    const leaver: number[] = [];
    const verified: number[] = [];
    const requests: number[] = [];
    const appAnswers: number[] = [];
    const actions: ActionCount[] = [];
    for (let i = 0; i < options.people; i++) {
      const who = person(1000 * options.applications + i + (options.deprovision === 'delete' ? 500 : 0));
      await postEvent(service.apiUrl, hrEvent('hire', who));
      const handle = client.workflow.getHandle(identityWorkflowId(who.id));
      // The leaver comes once the hire is done, its evidence written too, as it would days later.
      while (!(await hireSettled(handle))) await new Promise((r) => setTimeout(r, 10));
      const seen = estate.requests();
      const answered = estate.answerMs().length;
      const start = performance.now();
      const sentAt = Date.now();
      await postEvent(service.apiUrl, hrEvent('terminate', who));
      const result = (await handle.result()) as IdentityResult;
      leaver.push(performance.now() - start);
      // When the workflow saw the last application read back clean, before it wrote the evidence.
      const lastVerified = Math.max(...result.leaver.applications.map((a) => Date.parse(a.verifiedAt)));
      verified.push(lastVerified - sentAt);
      requests.push((estate.requests() - seen) / options.applications);
      appAnswers.push(...estate.answerMs().slice(answered));
      actions.push(await actionsSinceLastSignal(handle));
    }

    // The script's people are seeded straight into the applications, then removed one app after another.
    const scripted = Array.from({ length: options.people }, (_, i) => person(900_000 + i));
    await Promise.all(
      estate.apps.map((app) =>
        seedPeople(
          app,
          scripted.map((p) => ({ userName: p.userName, employeeId: p.id })),
          estate.groups,
        ),
      ),
    );
    const withGroups = await Promise.all(
      estate.apps.map(async (app) => ({ app, groups: await groupIds(app) })),
    );
    const script: number[] = [];
    const scriptRequests: number[] = [];
    const scriptAnswers: number[] = [];
    for (const p of scripted) {
      const seen = estate.requests();
      const answered = estate.answerMs().length;
      const start = performance.now();
      await scriptedLeaver(withGroups, p.userName, estate.groups);
      script.push(performance.now() - start);
      scriptRequests.push((estate.requests() - seen) / options.applications);
      scriptAnswers.push(...estate.answerMs().slice(answered));
    }
    const regular = await floor.run({
      applications: options.applications,
      local: false,
      count: options.people,
    });
    const polled = await floor.run({
      applications: options.applications,
      local: false,
      count: options.people,
      eager: false,
    });
    const local = await floor.run({ applications: options.applications, local: true, count: options.people });
    // jml's own shape: each application's deprovision reads back in the same call.
    const single = await floor.run({
      applications: options.applications,
      local: false,
      count: options.people,
      callsPerApplication: 1,
    });

    const jml = stats(verified);
    const finished = stats(leaver);
    const scriptStats = stats(script);
    const floorStats = stats(regular.each);
    const polledStats = stats(polled.each);
    const localStats = stats(local.each);
    const singleStats = stats(single.each);
    const a = actions.at(-1)!;
    console.log(
      `W1 one leaver at a time, ${options.applications} SCIM applications ${options.latencyMs} ms away, 2 groups each, deprovision: ${options.deprovision}, ${options.people} people`,
    );
    console.log(guardLine(options.people));
    console.log(`  jml, HR event sent → every application verified: ${fmt(jml)}`);
    console.log(`  jml, HR event sent → leaver done, evidence written: ${fmt(finished)}`);
    console.log(`  sequential script, same removals, no workflow:   ${fmt(scriptStats)}`);
    console.log(
      `  Temporal floor, no-op activities, 1 + 2 × ${options.applications}:      ${fmt(floorStats)}`,
    );
    console.log(`  Temporal floor, same, no eager dispatch:          ${fmt(polledStats)}`);
    console.log(`  Temporal floor with local activities, same shape:  ${fmt(localStats)}`);
    console.log(
      `  Temporal floor of jml's shape, 1 + ${options.applications}:           ${fmt(singleStats)}`,
    );
    console.log(
      `  ratios (median): script / jml ${ratio(scriptStats.median, jml.median)}x; jml / floor ${ratio(jml.median, floorStats.median)}; jml / local floor ${ratio(jml.median, localStats.median)}; jml / floor of its shape ${ratio(jml.median, singleStats.median)}`,
    );
    console.log(
      `  requests per application per leaver: jml ${stats(requests).median.toFixed(1)} (max ${Math.max(...requests).toFixed(1)}), script ${stats(scriptRequests).median.toFixed(1)}`,
    );
    console.log(
      `  the applications' own time per request, behind the ${options.latencyMs} ms: median ${stats(appAnswers).median.toFixed(1)} ms (p95 ${stats(appAnswers).p95.toFixed(1)}) under jml's parallel calls, ${stats(scriptAnswers).median.toFixed(1)} ms (p95 ${stats(scriptAnswers).p95.toFixed(1)}) under the script's one at a time`,
    );
    console.log(
      `  Temporal actions per leaver: ${a.total} (activities ${a.activities}, workflow tasks with local activities ${a.localActivityTasks}, timers ${a.timers}, signals ${a.signals}, search-attribute upserts ${a.upserts}); bound 2 × ${options.applications} + 1 = ${2 * options.applications + 1}`,
    );
  } finally {
    await service.stop();
    await estate.stop();
  }
}
