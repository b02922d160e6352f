// `jml evidence`: what the evidence store proves, for auditors — a leaver's revocation certificate
// (JSON, or an HTML page to open and print) and the export of every joiner, mover and leaver of a
// period (CSV or JSON). Read from the store directly (evidence-store.ts), never from Temporal, so it
// holds long after Temporal has forgotten the workflow.
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { employeeIdSchema } from '../domain/hr-event';
import { CertificateNotFound, type LeaverCertificate } from '../domain/leaver-certificate';
import type { PeriodExportRow } from '../domain/period-export';
import { certificateHtml } from '../evidence/certificate-html';
import { exportCsv } from '../evidence/export-csv';
import { certificateOf, exportOf } from '../evidence/queries';
import { fromOption, periodFrom, readingEvidence, toOption } from './evidence-store';
import { CliError, EXIT } from './exit-codes';
import { examples } from './help-text';
import { printJson } from './output';
import { exiting } from './run';
import { zodValue } from './validate';

/** Event ids as the HR event schema takes them. */
const eventIdArgument = zodValue(z.string().min(1).max(200));

interface LeaverFlags {
  event?: string;
  format: 'json' | 'html';
  out?: string;
}

async function leaver(employeeId: string, flags: LeaverFlags) {
  const certificate = await readingEvidence(
    async (sql) => {
      try {
        return await certificateOf(sql, employeeId, { eventId: flags.event });
      } catch (error) {
        if (error instanceof CertificateNotFound) throw new CliError(error.message, EXIT.refused);
        throw error;
      }
    },
    {
      path:
        `/v1/evidence/leavers/${encodeURIComponent(employeeId)}` +
        (flags.event ? `?event=${encodeURIComponent(flags.event)}` : ''),
      read: (answer) => answer as LeaverCertificate,
    },
  );
  const text =
    flags.format === 'html' ? certificateHtml(certificate) : `${JSON.stringify(certificate, null, 2)}\n`;
  if (flags.out) {
    writeFileSync(flags.out, text);
    console.error(
      `wrote the ${flags.format.toUpperCase()} certificate of ${employeeId}'s leaver ${certificate.eventId} ` +
        `(${certificate.status}) to ${flags.out}`,
    );
  } else {
    process.stdout.write(text);
  }
  return EXIT.done;
}

interface ExportFlags {
  from: string;
  to: string;
  format: 'csv' | 'json';
}

async function exportPeriod(flags: ExportFlags) {
  const period = periodFrom(flags);
  const generatedAt = new Date();
  const rows = await readingEvidence((sql) => exportOf(sql, period, generatedAt), {
    path: `/v1/evidence?${new URLSearchParams({ from: flags.from, to: flags.to }).toString()}`,
    read: (answer) => (answer as { rows: PeriodExportRow[] }).rows,
  });
  if (flags.format === 'csv') process.stdout.write(exportCsv(rows));
  else {
    printJson({
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      generatedAt: generatedAt.toISOString(),
      rows,
    });
  }
  return EXIT.done;
}

export function evidenceCommands(program: Command): void {
  const evidence = program
    .command('evidence')
    .description(
      'certificates and exports from the evidence store (for auditors; works after Temporal forgot)',
    );
  evidence
    .command('leaver')
    .description(
      "the revocation certificate of a person's latest leaver: per application what was removed, what " +
        'verified it, when, and whether that beat the deprovisioning deadline (exit 1: no such leaver)',
    )
    .argument('<employeeId>', "the person's employee id", zodValue(employeeIdSchema))
    .addOption(
      new Option('--event <eventId>', 'the leaver this termination event started').argParser(eventIdArgument),
    )
    .addOption(
      new Option('--format <format>', 'json, or html to open in a browser and print')
        .choices(['json', 'html'])
        .default('json'),
    )
    .option('--out <file>', 'write the certificate to this file instead of standard output')
    .addHelpText(
      'after',
      examples(
        'jml evidence leaver E1001',
        'jml evidence leaver E1001 --format html --out E1001-revocation.html',
        'jml evidence leaver E1001 --event evt-term-1001 | jq .applications',
      ),
    )
    .action(exiting(leaver));
  evidence
    .command('export')
    .description(
      'every joiner, mover and leaver whose HR event reached jml in the period, with its timings, ' +
        'applications verified and skipped, and for leavers whether the deadline was met',
    )
    .addOption(fromOption())
    .addOption(toOption())
    .addOption(
      new Option('--format <format>', 'csv (a header row, RFC 4180) or json')
        .choices(['csv', 'json'])
        .default('csv'),
    )
    .addHelpText(
      'after',
      examples(
        'jml evidence export --from 2026-10-01 --to 2026-12-31 > q4.csv',
        'jml evidence export --from 2026-12-01T00:00:00Z --to 2026-12-01T12:00:00Z --format json',
      ),
    )
    .action(exiting(exportPeriod));
}
