// `jml event`: validate, sign and send one HR event.
import type { Command } from 'commander';
import { hrEventSchema } from '../domain/hr-event';
import { signPayload, SIGNATURE_HEADER } from '../api/signature';
import type { IntakeResult } from '../api/intake';
import { answer, apiFetch, required } from './api-client';
import { EXIT, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { readValid } from './input-file';
import { printJson } from './output';
import { exiting } from './run';

async function sendEvent(source: string): Promise<ExitCode> {
  const event = readValid(source, hrEventSchema);
  const body = JSON.stringify(event);
  const response = await apiFetch('/v1/hr/events', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(body, required('JML_HR_WEBHOOK_SECRET')),
    },
    body,
  });
  printJson(await answer<IntakeResult & { eventId?: string }>(response, 'sending the event'));
  return EXIT.done;
}

export function eventCommand(program: Command): void {
  program
    .command('event')
    .description('validate, sign and send one HR event (JSON) to the jml API')
    .argument('<file>', 'the event as JSON, or - for standard input')
    .addHelpText('after', examples('jml event examples/hire.json', 'cat event.json | jml event -'))
    .action(exiting(sendEvent));
}
