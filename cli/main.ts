// `jml`: send signed HR events, read a person's status, retry their failing applications, preview what
// the policy would give someone, check a configuration or a policy file.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { applyDevSecrets } from '../common/dev-secrets';
import { ConfigError, configPath, loadConfig, loadPolicy, type LoadedPolicy } from '../config/load';
import { describeIssues, employeeIdSchema, employeeSchema, hrEventSchema } from '../domain/hr-event';
import type { IdentityStatus } from '../domain/lifecycle';
import { planAccess } from '../domain/policy';
import { signPayload, SIGNATURE_HEADER } from '../api/signature';
import { apiFetch, parseCommand, required, UsageError } from './api-client';
import { decideCommand, listApprovals } from './approvals';
import { issuePersonalToken } from '../api/personal-token';
import { parseDuration } from '../domain/duration';
import { retryCommand } from './retry';
import { doneCommand, listTasks } from './tasks';
import { diffPlans, planReport, type CurrentIdentity } from './plan-report';

const USAGE = `usage:
  jml event <file|->        sign and send one HR event (JSON) to the jml API
  jml status <employeeId>   show where a person's lifecycle stands
  jml retry <employeeId> [--app <id>]
                            try the person's failing applications (or one) again now, not after the backoff
  jml plan <file|-> [--diff] [--json]
                            show what the policy would give an employee (JSON), changing nothing;
                            --diff: what would be granted (+) and revoked (-) against what jml holds now;
                            --json: the machine-readable result
  jml approvals [--approver <id>]
                            list approval requests waiting (for one approver)
  jml approve <requestId> --as <approverId> [--reason <text>]
  jml deny <requestId> --as <approverId> [--reason <text>]
                            decide a request; an approver who may not decide is refused at once
  jml tasks [--assignee <id>]
                            list manual tasks waiting (for one fulfiller)
  jml done <taskId> --as <employeeId> [--note <text>]
                            attest a manual task is done
  jml token <employeeId> [--valid <duration>]
                            issue a personal token (default valid 30d): with it as JML_PERSONAL_TOKEN,
                            its holder lists and decides only as themselves (--as is then optional)
  jml config check [file]   validate a configuration file and the policy it names
  jml policy check [file]   validate the configured policy, or one policy file on its own

environment:
  JML_CONFIG                configuration file (default config/jml.yaml)
  JML_URL                   API base URL (default http://127.0.0.1:8080)
  JML_HR_WEBHOOK_SECRET     HMAC secret for events (default: .data/dev-secrets.json)
  JML_API_TOKEN             bearer token for status, retry, approvals, tasks and plan --diff (default: .data/dev-secrets.json)
  JML_PERSONAL_TOKEN        a personal token, used instead of JML_API_TOKEN for approvals and tasks
  JML_PERSONAL_TOKEN_SECRET signs personal tokens for jml token (default: .data/dev-secrets.json)`;

/** Reads a JSON document and validates it; on failure prints every problem, naming its field. */
function readValid<T>(source: string, schema: z.ZodType<T>): T | undefined {
  const text = readFileSync(source === '-' ? 0 : source, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    console.error(`${source}: not JSON: ${(error as Error).message}`);
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    for (const p of describeIssues(parsed.error)) console.error(`${source}: ${p.path}: ${p.message}`);
    return undefined;
  }
  return parsed.data;
}

async function sendEvent(source: string): Promise<number> {
  const event = readValid(source, hrEventSchema);
  if (!event) return 2;
  const body = JSON.stringify(event);
  const response = await apiFetch('/v1/hr/events', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(body, required('JML_HR_WEBHOOK_SECRET')),
    },
    body,
  });
  console.log(JSON.stringify(await response.json(), null, 2));
  return response.status === 202 ? 0 : 1;
}

function getIdentity(employeeId: string): Promise<Response> {
  return apiFetch(`/v1/identities/${encodeURIComponent(employeeId)}`, {
    headers: { authorization: `Bearer ${required('JML_API_TOKEN')}` },
  });
}

async function showStatus(employeeId: string): Promise<number> {
  const response = await getIdentity(employeeId);
  console.log(JSON.stringify(await response.json(), null, 2));
  return response.ok ? 0 : 1;
}

function checkConfig(file?: string): number {
  const loaded = loadConfig(file ?? configPath());
  console.log(
    `${loaded.path}: valid (${loaded.config.applications.length} applications; policy ${loaded.policyPath}: ${loaded.policy.roles.length} roles, version ${loaded.policyVersion})`,
  );
  return 0;
}

/** Without a file, the configured policy, checked against the configured applications too. */
function checkPolicy(file?: string): number {
  const { policyPath, policy, policyVersion }: LoadedPolicy = file
    ? loadPolicy(file)
    : loadConfig(configPath());
  const entitlements = Object.values(policy.applications).flatMap((app) => Object.values(app.entitlements));
  const approved = entitlements.filter((e) => e.approval).length;
  console.log(
    `${policyPath}: valid (version ${policyVersion}, ${policy.roles.length} roles, ${entitlements.length} entitlements of which ${approved} need approval)`,
  );
  return 0;
}

interface PlanOptions {
  source: string;
  diff: boolean;
  json: boolean;
}

function planOptions(args: string[]): PlanOptions {
  const flags = args.filter((a) => a.startsWith('--'));
  const files = args.filter((a) => !a.startsWith('--'));
  const unknown = flags.find((f) => f !== '--diff' && f !== '--json');
  if (unknown) throw new UsageError(`unknown option ${unknown} for jml plan`);
  if (files.length !== 1) throw new UsageError('jml plan takes one employee file (or - for standard input)');
  return { source: files[0]!, diff: flags.includes('--diff'), json: flags.includes('--json') };
}

/** What jml holds for the person now; undefined when it has never seen them. */
async function currentIdentity(employeeId: string): Promise<CurrentIdentity | undefined> {
  const response = await getIdentity(employeeId);
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new Error(
      `cannot read what jml holds for ${employeeId}: ${response.status} ${await response.text()}`,
    );
  }
  return (await response.json()) as IdentityStatus;
}

/** Read-only: plans as the worker would, and at most reads the person's status from the API. */
async function showPlan(args: string[]): Promise<number> {
  const options = planOptions(args);
  const employee = readValid(options.source, employeeSchema);
  if (!employee) return 2;
  const { config, policy, policyVersion } = loadConfig(configPath());
  const appIds = config.applications.map((a) => a.id);
  const plan = planAccess(employee, policy, appIds, policyVersion);
  const diff = options.diff ? diffPlans(plan, await currentIdentity(employee.id)) : undefined;
  if (options.json) {
    const { roles, entitlements } = plan;
    console.log(JSON.stringify({ policyVersion, roles, entitlements, ...(diff && { diff }) }, null, 2));
  } else {
    console.log(planReport(plan, diff).join('\n'));
  }
  return 0;
}

function issueToken(args: string[]): number {
  const { values, positionals } = parseCommand(args, { valid: { type: 'string' } });
  const employeeId = employeeIdSchema.safeParse(positionals[0]);
  if (positionals.length !== 1 || !employeeId.success)
    throw new UsageError('usage: jml token <employeeId> [--valid <duration, e.g. 30d>]');
  const validMs = parseDuration(values.valid ?? '30d');
  if (validMs === undefined || validMs <= 0)
    throw new UsageError(`--valid: "${values.valid}" is not a duration like 12h or 30d`);
  console.log(issuePersonalToken(employeeId.data, required('JML_PERSONAL_TOKEN_SECRET'), validMs));
  return 0;
}

function check(kind: 'config' | 'policy', args: string[]): number {
  if (args[0] !== 'check' || args.length > 2) throw new UsageError(`did you mean: jml ${kind} check [file]`);
  return kind === 'config' ? checkConfig(args[1]) : checkPolicy(args[1]);
}

async function main(argv: string[]): Promise<number> {
  applyDevSecrets(process.env, false);
  const [command, ...args] = argv;
  switch (command) {
    case 'event':
      if (args.length !== 1) throw new UsageError('jml event takes one file (or - for standard input)');
      return sendEvent(args[0]!);
    case 'status':
      if (args.length !== 1) throw new UsageError('jml status takes one employee id');
      return showStatus(args[0]!);
    case 'plan':
      return showPlan(args);
    case 'approvals':
      return listApprovals(args);
    case 'approve':
    case 'deny':
      return decideCommand(command === 'approve', args);
    case 'tasks':
      return listTasks(args);
    case 'done':
      return doneCommand(args);
    case 'retry':
      return retryCommand(args);
    case 'token':
      return issueToken(args);
    case 'config':
    case 'policy':
      return check(command, args);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`jml: ${error.message}\n\n${USAGE}`);
    else if (error instanceof ConfigError) console.error(error.message);
    else console.error(`jml: ${(error as Error).message}`);
    process.exit(2);
  },
);
