// `jml`: send signed HR events, read a person's status, check a configuration file.
import { readFileSync } from 'node:fs';
import { applyDevSecrets } from '../common/dev-secrets';
import { ConfigError, configPath, loadConfig } from '../config/load';
import { describeIssues, hrEventSchema } from '../domain/hr-event';
import { signPayload, SIGNATURE_HEADER } from '../api/signature';

const USAGE = `usage:
  jml event <file|->        sign and send one HR event (JSON) to the jml API
  jml status <employeeId>   show where a person's lifecycle stands
  jml config check [file]   validate a configuration file

environment:
  JML_URL                   API base URL (default http://127.0.0.1:8080)
  JML_HR_WEBHOOK_SECRET     HMAC secret for events (default: .data/dev-secrets.json)
  JML_API_TOKEN             bearer token for status (default: .data/dev-secrets.json)`;

class UsageError extends Error {}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new UsageError(`${name} is not set (and no development secret was found)`);
  return value;
}

function apiUrl(path: string): string {
  return `${(process.env.JML_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')}${path}`;
}

async function sendEvent(source: string): Promise<number> {
  const text = readFileSync(source === '-' ? 0 : source, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    console.error(`${source}: not JSON: ${(error as Error).message}`);
    return 2;
  }
  const parsed = hrEventSchema.safeParse(json);
  if (!parsed.success) {
    for (const p of describeIssues(parsed.error)) console.error(`${source}: ${p.path}: ${p.message}`);
    return 2;
  }
  const body = JSON.stringify(parsed.data);
  const response = await fetch(apiUrl('/v1/hr/events'), {
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

async function showStatus(employeeId: string): Promise<number> {
  const response = await fetch(apiUrl(`/v1/identities/${encodeURIComponent(employeeId)}`), {
    headers: { authorization: `Bearer ${required('JML_API_TOKEN')}` },
  });
  console.log(JSON.stringify(await response.json(), null, 2));
  return response.ok ? 0 : 1;
}

function checkConfig(file?: string): number {
  const loaded = loadConfig(file ?? configPath());
  console.log(
    `${loaded.path}: valid (${loaded.config.applications.length} applications, ${loaded.config.roles.length} roles, policy ${loaded.policyVersion})`,
  );
  return 0;
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
    case 'config':
      if (args[0] !== 'check' || args.length > 2)
        throw new UsageError('did you mean: jml config check [file]');
      return checkConfig(args[1]);
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
