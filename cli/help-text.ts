// Help text shared by the commands: examples, and what `jml --help` adds below the command list.
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

export const ENVIRONMENT = `
Environment:
  JML_CONFIG                 configuration file (default config/jml.yaml)
  JML_URL                    API base URL (default http://127.0.0.1:8080)
  JML_HR_WEBHOOK_SECRET      HMAC secret for events (default: .data/dev-secrets.json)
  JML_API_TOKEN              bearer token for status, retry, approvals, tasks and plan --diff
                             (default: .data/dev-secrets.json)
  JML_PERSONAL_TOKEN         a personal token, used instead of JML_API_TOKEN for approvals and tasks
  JML_PERSONAL_TOKEN_SECRET  signs personal tokens for jml token (default: .data/dev-secrets.json)
  JML_EVIDENCE_URL           PostgreSQL URL of the evidence store, for jml audit, evidence and report
                             (default: the embedded store in JML_DATA_DIR/evidence, JML_DATA_DIR
                             default .data/)
  JML_EVIDENCE_PUBLIC_KEY    public key(s) that verify evidence checkpoints (default: the public half
                             of JML_EVIDENCE_SIGNING_KEY, from .data/dev-secrets.json)`;

export const EXIT_CODES = `
Exit codes:
  0  done (event --wait: every application verified)
  1  refused: the API said no (401, 403, 404, 409, 500), or --wait ended unverified;
     evidence leaver: no such leaver; audit verify: the evidence is not intact;
     roster import: an event was refused as stale (the next import sends it again)
  2  bad input: invalid arguments or files, or the API answered 400, 413 or 414
  3  unreachable: no connection, no answer in time, or 429, 502, 503, 504 (try again later);
     for audit, evidence and report: the evidence store cannot be opened or read`;
