// `jml event`: validate, sign and send one HR event; with --wait, follow its step to the end.
import { Option, type Command } from 'commander';
import { hrEventSchema } from '../domain/hr-event';
import { signPayload, SIGNATURE_HEADER } from '../api/signature';
import type { IntakeResult } from '../api/intake';
import { answer, apiFetch, required } from './api-client';
import { EXIT, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { findIdentity } from './identity';
import { readValid } from './input-file';
import { printJson } from './output';
import { exiting } from './run';
import { positiveDuration } from './validate';
import { waitForStep } from './wait';

interface EventOptions {
  wait?: boolean;
  waitTimeout: number;
  pollInterval: number;
}

async function sendEvent(source: string, options: EventOptions): Promise<ExitCode> {
  const event = readValid(source, hrEventSchema);
  // Read first, so --wait can tell the earlier step's applications from this one's, and a token
  // that may not read the status is found before anything is sent.
  const before = options.wait ? await findIdentity(event.employee.id) : undefined;
  const body = JSON.stringify(event);
  const response = await apiFetch('/v1/hr/events', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(body, required('JML_HR_WEBHOOK_SECRET')),
    },
    body,
  });
  const accepted = await answer<IntakeResult & { eventId?: string }>(response, 'sending the event');
  printJson(accepted);
  if (!options.wait) return EXIT.done;
  // Progress goes to standard error, so standard output stays the API's answer.
  const print = (line: string) => console.error(line);
  if (accepted.status !== 'accepted') {
    print(`nothing to wait for: the event is ${accepted.status}`);
    return accepted.status === 'duplicate' ? EXIT.done : EXIT.refused;
  }
  return waitForStep({
    employeeId: event.employee.id,
    before,
    eventId: event.eventId,
    timeoutMs: options.waitTimeout,
    intervalMs: options.pollInterval,
    print,
  });
}

export function eventCommand(program: Command): void {
  program
    .command('event')
    .description('validate, sign and send one HR event (JSON) to the jml API')
    .argument('<file>', 'the event as JSON, or - for standard input')
    .option(
      '--wait',
      'follow the step after sending: one line per application as its status changes; ' +
        'exit 0 once every application is verified, 1 otherwise',
    )
    .addOption(
      new Option('--wait-timeout <duration>', 'with --wait, give up after this long')
        .argParser(positiveDuration)
        .default(120_000, '2m'),
    )
    .addOption(
      new Option('--poll-interval <duration>', 'with --wait, how often to read the status')
        .argParser(positiveDuration)
        .default(1000, '1s'),
    )
    .addHelpText(
      'after',
      examples(
        'jml event examples/hire.json',
        'jml event examples/terminate.json --wait --wait-timeout 5m',
        'cat event.json | jml event -',
      ),
    )
    .action(exiting(sendEvent));
}
