// `jml retry` runs for real against a stand-in for the jml API: the request it sends (path, body,
// API token), what it prints for each answer, and the usage errors it catches before sending anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  body: string;
}

let server: Server;
let url: string;
const seen: Seen[] = [];

/** Answers POST /v1/identities/<id>/retry: 404 for E4040, otherwise 202 with crm failing unless an app is named. */
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      const id = /^\/v1\/identities\/([^/]+)\/retry$/.exec(req.url ?? '')?.[1];
      const send = (status: number, answer: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (!id || id === 'E4040')
        return send(404, { error: 'not_found', message: `no running identity workflow for ${id}` });
      const { appId } = JSON.parse(body) as { appId?: string };
      send(202, {
        workflowId: `identity-${id}`,
        employeeId: id,
        ...(appId && { appId }),
        retrying: appId === 'wiki' ? [] : ['crm'],
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
});

function jml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    JML_URL: url,
    JML_API_TOKEN: 'api-token',
    JML_PERSONAL_TOKEN: 'jmlp.1.ab.E0001',
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: ROOT, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

void describe('jml retry', () => {
  void test('sends the retry for every failing application with the API token, and says which are tried', async () => {
    seen.length = 0;
    const run = await jml('retry', 'E1001');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'E1001: trying again now: crm');
    assert.deepEqual(seen, [
      { method: 'POST', url: '/v1/identities/E1001/retry', authorization: 'Bearer api-token', body: '{}' },
    ]);
  });

  void test('--app names one application; when it is not failing, says there is nothing to retry', async () => {
    seen.length = 0;
    const run = await jml('retry', 'E1001', '--app', 'wiki');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'E1001: nothing is failing in wiki, so there is nothing to retry');
    assert.equal(seen[0]?.body, '{"appId":"wiki"}');
  });

  void test('an unknown person exits 1 with the reason', async () => {
    const run = await jml('retry', 'E4040');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /retry refused \(404\): no running identity workflow for E4040/);
  });

  void test('a missing or bad employee id, or a bad application id, is a usage error and sends nothing', async () => {
    seen.length = 0;
    for (const args of [
      [],
      ['not an id'],
      ['E1001', 'E1002'],
      ['E1001', '--app'],
      ['E1001', '--application', 'crm'],
    ]) {
      const run = await jml('retry', ...args);
      assert.equal(run.code, 2, `jml retry ${args.join(' ')}`);
      assert.match(run.stderr, /^jml: /);
    }
    const badApp = await jml('retry', 'E1001', '--app', 'CRM!');
    assert.equal(badApp.code, 2);
    assert.match(
      badApp.stderr,
      /option '--app <applicationId>' argument 'CRM!' is invalid\. must be lower-case letters, digits or "-"/,
    );
    assert.deepEqual(seen, [], 'nothing was sent');
  });
});
