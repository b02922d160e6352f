// What the CLI tests share: running `jml` as a process, and a stand-in for the jml API.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `jml` with test secrets and the example configuration; never throws. */
export function jml(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JML_HR_WEBHOOK_SECRET: 'hr-secret',
    JML_API_TOKEN: 'api-token',
    JML_PERSONAL_TOKEN_SECRET: 'personal-token-secret',
    SAMPLE_SCIM_TOKEN: 'scim-token',
    ...extraEnv,
  };
  if (!extraEnv.JML_CONFIG) delete env.JML_CONFIG;
  if (!extraEnv.JML_PERSONAL_TOKEN) delete env.JML_PERSONAL_TOKEN;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: ROOT, env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface StandIn {
  server: Server;
  url: string;
  close: () => Promise<void>;
}

export type Handler = (req: IncomingMessage, body: string) => { status: number; body?: unknown } | undefined;

/** A stand-in for the jml API: `handle` answers with JSON, or undefined to never answer. */
export function standIn(handle: Handler): Promise<StandIn> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const reply = handle(req, body);
      if (!reply) return;
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => {
          server.closeAllConnections();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}
