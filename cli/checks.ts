// `jml config check` and `jml policy check`: validate files before a deployment uses them.
import type { Command } from 'commander';
import { configPath, loadConfig, loadPolicy, type LoadedPolicy } from '../config/load';
import { EXIT } from './exit-codes';
import { examples } from './help-text';
import { exiting } from './run';

function checkConfig(file?: string) {
  const loaded = loadConfig(file ?? configPath());
  console.log(
    `${loaded.path}: valid (${loaded.config.applications.length} applications; policy ${loaded.policyPath}: ${loaded.policy.roles.length} roles, version ${loaded.policyVersion})`,
  );
  return EXIT.done;
}

/** Without a file, the configured policy, checked against the configured applications too. */
function checkPolicy(file?: string) {
  const { policyPath, policy, policyVersion }: LoadedPolicy = file
    ? loadPolicy(file)
    : loadConfig(configPath());
  const entitlements = Object.values(policy.applications).flatMap((app) => Object.values(app.entitlements));
  const approved = entitlements.filter((e) => e.approval).length;
  console.log(
    `${policyPath}: valid (version ${policyVersion}, ${policy.roles.length} roles, ${entitlements.length} entitlements of which ${approved} need approval)`,
  );
  return EXIT.done;
}

export function checkCommands(program: Command): void {
  program
    .command('config')
    .description('work with the configuration file')
    .command('check')
    .description('validate a configuration file and the policy it names')
    .argument('[file]', 'the configuration file (default: JML_CONFIG or config/jml.yaml)')
    .addHelpText('after', examples('jml config check', 'jml config check /etc/jml/jml.yaml'))
    .action(exiting(checkConfig));

  program
    .command('policy')
    .description('work with the access policy')
    .command('check')
    .description(
      'validate the configured policy (against the configured applications), or one policy file alone',
    )
    .argument('[file]', 'a policy file, checked on its own')
    .addHelpText('after', examples('jml policy check', 'jml policy check config/policy.yaml'))
    .action(exiting(checkPolicy));
}
