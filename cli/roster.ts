// `jml roster import`: read an HR export (CSV or JSON) of a source's active employees, check every
// row before anything is sent, then sign it and send it to the API, which sends the differences from
// the source's last roster as HR events (api/roster-import.ts).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { signPayload, SIGNATURE_HEADER } from '../api/signature';
import type { RosterImportResult } from '../api/roster-import';
import {
  describeRosterProblem,
  rosterFromCsv,
  rosterFromJson,
  rosterSourceSchema,
  type RosterReading,
} from '../domain/roster';
import { answer, apiFetch, required, setRequestTimeout } from './api-client';
import { EXIT, FileError, UsageError, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson, table } from './output';
import { exiting } from './run';
import { zodValue } from './validate';

/** The source a roster is compared under when none is named. */
export const DEFAULT_ROSTER_SOURCE = 'roster';

/**
 * How long an import may take when --timeout is not given: a first import sends an event per person,
 * far longer than any other request (the server allows the same, api/routes/roster.ts).
 */
const IMPORT_TIMEOUT_MS = 10 * 60_000;

const FORMATS = ['csv', 'json'] as const;
type RosterFormat = (typeof FORMATS)[number];

interface ImportOptions {
  source: string;
  format?: RosterFormat;
  dryRun?: boolean;
  json?: boolean;
}

function formatOf(file: string, given: RosterFormat | undefined): RosterFormat {
  if (given) return given;
  const extension = extname(file).slice(1).toLowerCase();
  if (extension === 'csv' || extension === 'json') return extension;
  throw new UsageError(`${file}: say --format csv or --format json (the name does not end in .csv or .json)`);
}

/** The file's employees, or a FileError naming every problem at its line (CSV) or index (JSON). */
export function readRoster(file: string, format: RosterFormat): RosterReading & { ok: true } {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new FileError(`${file}: cannot read: ${(error as Error).message}`);
  }
  let reading: RosterReading;
  if (format === 'csv') {
    reading = rosterFromCsv(text);
  } else {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new FileError(`${file}: not JSON: ${(error as Error).message}`);
    }
    reading = rosterFromJson(json);
  }
  if (!reading.ok) {
    throw new FileError(
      [
        ...reading.problems.map((problem) => `${file}: ${describeRosterProblem(problem)}`),
        `${file}: nothing was sent`,
      ].join('\n'),
    );
  }
  return reading;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summary(file: string, result: RosterImportResult): string {
  const { counts } = result;
  const found = [
    plural(counts.hire, 'hire'),
    plural(counts.rehire, 'rehire'),
    plural(counts.change, 'change'),
    plural(counts.terminate, 'termination'),
    `${counts.unchanged} unchanged`,
  ].join(', ');
  return `${file} (source ${result.source}, ${result.snapshotId}): ${plural(result.employees, 'employee')}; ${found}`;
}

function eventsTable(result: RosterImportResult): string {
  const headers = ['TYPE', 'EMPLOYEE', 'EVENT', ...(result.dryRun ? [] : ['STATUS']), 'EFFECTIVE', 'CHANGED'];
  return table(
    headers,
    result.events.map((e) => [
      e.type,
      e.employeeId,
      e.eventId,
      ...(result.dryRun ? [] : [e.status ?? '']),
      e.effectiveAt ?? 'now',
      (e.changed ?? []).join(', '),
    ]),
  );
}

async function importRosterFile(file: string, options: ImportOptions, command: Command): Promise<ExitCode> {
  // A first import sends an event per person: unless --timeout says otherwise, wait for it.
  const root = command.parent?.parent;
  if (root?.getOptionValueSource('timeout') === 'default') setRequestTimeout(IMPORT_TIMEOUT_MS);
  const { employees } = readRoster(file, formatOf(file, options.format));
  const body = JSON.stringify({ source: options.source, dryRun: options.dryRun ?? false, employees });
  const response = await apiFetch('/v1/hr/roster', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(body, required('JML_HR_WEBHOOK_SECRET')),
    },
    body,
  });
  const result = await answer<RosterImportResult>(response, 'importing the roster');
  if (options.json) {
    printJson(result);
  } else {
    console.log(summary(file, result));
    console.log(
      result.events.length
        ? eventsTable(result)
        : "no differences from the source's last roster: nothing to send",
    );
    if (result.dryRun) console.log('dry run: nothing was sent');
  }
  if (!result.dryRun && !result.complete) {
    const stale = result.events.filter((e) => e.status === 'stale').map((e) => e.employeeId);
    console.error(
      `jml: the intake refused ${plural(stale.length, 'event')} as stale (${stale.join(', ')}): ` +
        'they occurred before those people were last terminated; the next import sends them again',
    );
    return EXIT.refused;
  }
  return EXIT.done;
}

export function rosterCommands(program: Command): void {
  const roster = program
    .command('roster')
    .description("import HR rosters: full snapshots of a source's active employees");
  roster
    .command('import')
    .description(
      "compare a roster (CSV or JSON) with the source's last one and send the differences as hire, " +
        'rehire, change and terminate events; a file with any invalid row sends nothing',
    )
    .argument('<file>', 'the roster: .csv with a header row, or .json; - for standard input (with --format)')
    .addOption(
      new Option(
        '--source <name>',
        'the HR system it comes from; each source is compared with its own last roster',
      )
        .argParser(zodValue(rosterSourceSchema))
        .default(DEFAULT_ROSTER_SOURCE),
    )
    .addOption(new Option('--format <format>', 'csv or json (default: from the file name)').choices(FORMATS))
    .option('--dry-run', 'print the events it would send, and send none')
    .option('--json', "print the API's answer as JSON (in a dry run with each whole event)")
    .addHelpText(
      'after',
      examples(
        'jml roster import examples/roster.csv --dry-run',
        'jml roster import examples/roster.csv',
        'jml roster import export.json --source workday --json',
        'hr-export | jml roster import - --format csv --source bamboohr',
      ),
    )
    .action(exiting(importRosterFile));
}
