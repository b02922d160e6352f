// `jml audit`: the auditor's door to the evidence store. It reads the store directly (not through
// the API), so it works where jml does not run and long after Temporal has forgotten a workflow:
// JML_EVIDENCE_URL (PostgreSQL) or the embedded store in JML_DATA_DIR, and the public key. Only the
// embedded store held by a running jml is checked through that jml's API.
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { EvidenceSettingsError } from '../evidence/errors';
import { publicKeysFrom, signingKeyFrom } from '../evidence/settings';
import { keyIdOf, publicKeyText } from '../evidence/signing';
import { verifyChains, type VerifyReport } from '../evidence/verify';
import { readingEvidence } from './evidence-store';
import { printJson } from './output';
import { EXIT, UsageError } from './exit-codes';
import { examples } from './help-text';
import { exiting } from './run';
import { zodValue } from './validate';

/** A day (the whole day, in UTC) or an instant: `2026-11-01` or `2026-11-01T09:00:00Z`. */
const DAY = z.iso.date();
const INSTANT = z.iso.datetime({ offset: true });
const timeArgument = zodValue(
  z.union([DAY, INSTANT], { error: 'must be a date (2026-11-01) or a date and time (2026-11-01T09:00:00Z)' }),
);

interface VerifyFlags {
  from?: string;
  to?: string;
  json?: boolean;
}

/** `--from` starts at its instant or day; `--to` includes its instant or its whole day. */
function window(flags: VerifyFlags): { from?: Date; to?: Date } {
  const from = flags.from === undefined ? undefined : new Date(flags.from);
  let to: Date | undefined;
  if (flags.to !== undefined) {
    const end = new Date(flags.to);
    to = new Date(end.getTime() + (DAY.safeParse(flags.to).success ? 86_400_000 : 1));
  }
  if (from && to && from >= to) throw new UsageError('--from must be before --to');
  return { from, to };
}

function settings<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof EvidenceSettingsError) throw new UsageError(error.message);
    throw error;
  }
}

async function verify(flags: VerifyFlags) {
  const span = window(flags);
  const publicKeys = settings(() => publicKeysFrom());
  const query = new URLSearchParams({
    ...(flags.from !== undefined && { from: flags.from }),
    ...(flags.to !== undefined && { to: flags.to }),
  });
  const { report, where } = await readingEvidence(
    async (sql) => ({ report: await verifyChains(sql, { ...span, publicKeys }), where: sql.description }),
    {
      // The running jml checks with its own public key; set JML_EVIDENCE_URL to check the database directly.
      path: `/v1/evidence/verify${query.size ? `?${query.toString()}` : ''}`,
      read: (answer) => ({ report: answer as VerifyReport, where: 'the running jml (its API)' }),
    },
  );
  if (flags.json) printJson({ store: where, ...report });
  else console.log(describe(report, where));
  return report.intact ? EXIT.done : EXIT.refused;
}

const count = (n: number, thing: string) => `${n} ${thing}${n === 1 ? '' : 's'}`;

function describe(report: VerifyReport, where: string): string {
  const span = [report.from && `from ${report.from}`, report.to && `before ${report.to}`].filter(Boolean);
  const counts =
    `${count(report.chains, 'chain')}, ${count(report.records, 'record')}, ${count(report.checkpoints, 'checkpoint')}` +
    (span.length ? ` (${span.join(' ')})` : '');
  if (report.intact) return `evidence intact: ${counts} verified in ${where}`;
  const lines = report.problems.map((p) => `  ${p.chainId} seq ${p.seq}: ${p.kind}: ${p.message}`);
  return [
    `evidence NOT intact: a problem in ${report.problems.length} of ${count(report.chains, 'chain')} (${counts} checked in ${where})`,
    ...lines,
  ].join('\n');
}

function printPublicKey() {
  const key = settings(() => signingKeyFrom());
  console.log(publicKeyText(key));
  console.error(`key id ${keyIdOf(key)}: give this public key to auditors as JML_EVIDENCE_PUBLIC_KEY`);
  return EXIT.done;
}

export function auditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('check the evidence store: hash chains and signed checkpoints (for auditors)');
  audit
    .command('verify')
    .description(
      'verify every evidence record against its hash chain and signed checkpoints, and name the first ' +
        'edited, deleted, inserted or reordered record of each chain (exit 1 when there is one)',
    )
    .addOption(
      new Option('--from <date>', 'only records recorded from this day or time on').argParser(timeArgument),
    )
    .addOption(
      new Option('--to <date>', 'only records recorded up to this day (inclusive) or time').argParser(
        timeArgument,
      ),
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      examples(
        'jml audit verify',
        'jml audit verify --from 2026-11-01 --to 2026-11-30 --json',
        'JML_EVIDENCE_URL=postgres://auditor@db/evidence JML_EVIDENCE_PUBLIC_KEY=MCowBQYDK2VwAyEA… jml audit verify',
      ),
    )
    .action(exiting(verify));
  audit
    .command('public-key')
    .description(
      'print the public key of JML_EVIDENCE_SIGNING_KEY, which auditors set as JML_EVIDENCE_PUBLIC_KEY',
    )
    .addHelpText('after', examples('jml audit public-key > evidence-public-key.txt'))
    .action(exiting(printPublicKey));
}
