// `jml token`: a personal token, with which its holder lists and decides only as themselves.
import { Option, type Command } from 'commander';
import { employeeIdSchema } from '../domain/hr-event';
import { issuePersonalToken, personalTokenId } from '../api/personal-token';
import { required } from './api-client';
import { EXIT } from './exit-codes';
import { examples } from './help-text';
import { exiting } from './run';
import { positiveDuration, zodValue } from './validate';

export function tokenCommand(program: Command): void {
  program
    .command('token')
    .description(
      'issue a personal token: with it as JML_PERSONAL_TOKEN, its holder lists and decides approvals ' +
        'and tasks only as themselves (--as is then optional)',
    )
    .argument('<employeeId>', 'whose token it is', zodValue(employeeIdSchema))
    .addOption(
      new Option('--valid <duration>', 'how long the token is valid, e.g. 12h or 30d')
        .argParser(positiveDuration)
        .default(30 * 86_400_000, '30d'),
    )
    .addHelpText('after', examples('export JML_PERSONAL_TOKEN=$(jml token E0001 --valid 12h)'))
    .action(
      exiting((employeeId: string, options: { valid: number }) => {
        const token = issuePersonalToken(employeeId, required('JML_PERSONAL_TOKEN_SECRET'), options.valid);
        console.log(token);
        // On stderr, so `$(jml token …)` still captures the token alone.
        console.error(
          `token id ${personalTokenId(token)}: list it under http.revokedPersonalTokens to revoke it`,
        );
        return EXIT.done;
      }),
    );
}
