// `jml plan`: what the policy would give an employee, and with --diff what that changes against what
// jml holds now. Read-only: it plans as the worker would and at most reads the person's status.
import type { Command } from 'commander';
import { configPath, loadConfig } from '../config/load';
import { employeeSchema } from '../domain/hr-event';
import { planAccess } from '../domain/policy';
import { EXIT, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { findIdentity } from './identity';
import { readValid } from './input-file';
import { printJson } from './output';
import { diffPlans, planReport } from './plan-report';
import { exiting } from './run';

async function showPlan(source: string, options: { diff?: boolean; json?: boolean }): Promise<ExitCode> {
  const employee = readValid(source, employeeSchema);
  const { config, policy, policyVersion } = loadConfig(configPath());
  const appIds = config.applications.map((a) => a.id);
  const plan = planAccess(employee, policy, appIds, policyVersion);
  const diff = options.diff ? diffPlans(plan, await findIdentity(employee.id)) : undefined;
  if (options.json) {
    const { roles, entitlements } = plan;
    printJson({ policyVersion, roles, entitlements, ...(diff && { diff }) });
  } else {
    console.log(planReport(plan, diff).join('\n'));
  }
  return EXIT.done;
}

export function planCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'show what the policy would give an employee (roles, entitlements, who must approve), changing nothing',
    )
    .argument('<file>', 'the employee as JSON (as in an HR event), or - for standard input')
    .option(
      '--diff',
      'also what would be granted (+) and revoked (-) against what jml holds now (reads the API)',
    )
    .option('--json', 'print the machine-readable result')
    .addHelpText(
      'after',
      examples(
        'jml plan examples/employee-sales-ops.json',
        'jml plan examples/employee-sales-ops.json --diff --json',
      ),
    )
    .action(exiting(showPlan));
}
