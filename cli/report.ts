// `jml report`: the figures of a period from the evidence store — time to provision, change and
// deprovision (median, p95, max), leavers against their deadline, verification failures per
// application, approvals, overdue manual tasks, drift, operators' skips and the follow-ups still open.
import type { Command } from 'commander';
import type { DurationStats, PeriodReport } from '../domain/period-report';
import type { Period } from '../domain/period';
import { durationWords, instantWords } from '../evidence/duration-words';
import { reportOf } from '../evidence/queries';
import { fromOption, periodFrom, readingEvidence, toOption } from './evidence-store';
import { EXIT } from './exit-codes';
import { examples } from './help-text';
import { printJson, table } from './output';
import { exiting } from './run';

interface ReportFlags {
  from: string;
  to: string;
  json?: boolean;
}

const orDash = (ms: number | null) => (ms === null ? '—' : durationWords(ms));

function durations(name: string, stats: DurationStats): string[] {
  return [
    name,
    String(stats.count),
    String(stats.notDone),
    orDash(stats.medianMs),
    orDash(stats.p95Ms),
    orDash(stats.maxMs),
  ];
}

function perApp<T>(figures: Record<string, T>, cells: (value: T) => string[]): string[][] {
  return Object.keys(figures)
    .sort()
    .map((appId) => [appId, ...cells(figures[appId]!)]);
}

const indent = (text: string) => text.replace(/^/gm, '  ');

/** The report in words and tables, as a person reads it in a terminal. */
export function reportText(report: PeriodReport, period: Period, store: string): string {
  const { steps, deadlines, approvals, manualTasks: tasks, overrides } = report;
  const lines = [
    `jml report from ${instantWords(period.from.toISOString())} up to ${instantWords(period.to.toISOString())} ` +
      `(HR events received in it; evidence in ${store})`,
    `steps: ${steps.joiner} joiner(s), ${steps.mover} mover(s), ${steps.leaver} leaver(s)`,
    '',
    table(
      ['time to', 'done', 'not done', 'median', 'p95', 'max'],
      [
        durations('provision (joiner)', report.timeToProvision),
        durations('change (mover)', report.timeToChange),
        durations('deprovision (leaver)', report.timeToDeprovision),
      ],
    ),
    '',
    `leavers against the deadline: ${deadlines.met} met, ${deadlines.late} late, ${deadlines.overdue} overdue ` +
      `(not verified, past it), ${deadlines.pending} pending` +
      (deadlines.maxLateByMs === null ? '' : `; at most ${durationWords(deadlines.maxLateByMs)} late`),
    `approvals: ${approvals.requested} requested: ${approvals.approved} approved, ${approvals.denied} denied, ` +
      `${approvals.withdrawn} withdrawn, ${approvals.waiting} waiting`,
    `manual tasks: ${tasks.opened} opened: ${tasks.attested} attested (${tasks.attestedLate} after the deadline), ` +
      `${tasks.withdrawn} withdrawn, ${tasks.open} open (${tasks.overdue} overdue)`,
    `overrides: ${overrides.skips} skip(s), ${overrides.retries} retry(s)`,
  ];
  const failures = perApp(report.verificationFailures, (f) => [
    String(f.failing),
    String(f.stalled),
    String(f.unverifiable),
    String(f.heldByOther),
  ]);
  lines.push(
    '',
    'verification failures per application:',
    failures.length
      ? indent(table(['application', 'failing', 'stalled', 'unverifiable', 'held by other'], failures))
      : '  none',
  );
  const drift = perApp(report.drift, (d) => [String(d.entitlements), String(d.steps)]);
  lines.push(
    '',
    'drift found (access beyond the plan):',
    drift.length ? indent(table(['application', 'entitlements', 'steps'], drift)) : '  none',
  );
  const open = report.openFollowUps.map((s) => [
    s.employeeId,
    s.eventId,
    s.appId,
    `${s.by} (${s.via})`,
    instantWords(s.at),
    s.reason ?? '',
  ]);
  lines.push(
    '',
    `follow-ups of skipped applications still open:${open.length ? '' : ' none'}`,
    ...(open.length
      ? [indent(table(['employee', 'event', 'application', 'skipped by', 'at', 'why'], open))]
      : []),
  );
  return lines.join('\n');
}

async function report(flags: ReportFlags) {
  const period = periodFrom(flags);
  const generatedAt = new Date();
  const { figures, store } = await readingEvidence(
    async (sql) => ({ figures: await reportOf(sql, period, generatedAt), store: sql.description }),
    {
      path: `/v1/evidence/report?${new URLSearchParams({ from: flags.from, to: flags.to }).toString()}`,
      read: (answer) => ({ figures: answer as PeriodReport, store: 'the running jml (its API)' }),
    },
  );
  if (flags.json) {
    printJson({
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      generatedAt: generatedAt.toISOString(),
      ...figures,
    });
  } else {
    console.log(reportText(figures, period, store));
  }
  return EXIT.done;
}

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description(
      "a period's figures from the evidence store: time to provision and deprovision, deadlines, " +
        'verification failures, approvals, overdue tasks, drift, skips and open follow-ups',
    )
    .addOption(fromOption())
    .addOption(toOption())
    .option('--json', 'print the figures as JSON (durations in milliseconds)')
    .addHelpText(
      'after',
      examples(
        'jml report --from 2026-10-01 --to 2026-12-31',
        'jml report --from 2026-12-01 --to 2026-12-01 --json',
      ),
    )
    .action(exiting(report));
}
