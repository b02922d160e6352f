// `jml status`: where a person's lifecycle stands, as the API's JSON.
import type { Command } from 'commander';
import { employeeIdSchema } from '../domain/hr-event';
import { EXIT } from './exit-codes';
import { examples } from './help-text';
import { readIdentity } from './identity';
import { printJson } from './output';
import { exiting } from './run';
import { zodValue } from './validate';

export function statusCommand(program: Command): void {
  program
    .command('status')
    .description("show where a person's lifecycle stands: stage, plan, per-application verification")
    .argument('<employeeId>', "the person's employee id", zodValue(employeeIdSchema))
    // Status has always been JSON; the flag is accepted so every status and listing takes it.
    .option('--json', 'print the status as JSON (the default)')
    .addHelpText('after', examples('jml status E1001', "jml status E1001 | jq '.apps[] | {appId, status}'"))
    .action(
      exiting(async (employeeId: string) => {
        printJson(await readIdentity(employeeId));
        return EXIT.done;
      }),
    );
}
