// `npm start` owns what it starts. However it is stopped — Ctrl-C to its process group, SIGTERM to npm
// or to node, its terminal closing, npm or node killed outright — no process of the run is left, no
// port any of them listened on is still open, and the next start works. A run killed together with
// its watchdog leaves its servers behind: the next start recognises them by the run record and stops
// them. A run still alive, and a port another program holds, are refused. The real `npm start` runs
// on ports of its own (a copy of config/jml.yaml, JML_TEMPORAL_PORT, JML_TEMPORAL_UI_PORT) and its own
// JML_DATA_DIR; its processes and their listening sockets are read from Linux's /proc.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../scripts/lib/ports';

const ROOT = join(__dirname, '..', '..');
const linuxOnly = process.platform !== 'linux' && 'reads processes and sockets from Linux /proc';

interface Proc {
  pid: number;
  started: string;
  command: string;
}

/** State (field 3), parent (4) and start time (22) of a process, from /proc/<pid>/stat. */
function stat(pid: number | string): { state: string; ppid: number; started: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), started: fields[19]! };
  } catch {
    return undefined;
  }
}

function commandOf(pid: number | string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The same process still running (not a later one with its pid, not a zombie waiting to be reaped). */
function alive(p: Proc): boolean {
  const now = stat(p.pid);
  return now !== undefined && now.started === p.started && now.state !== 'Z';
}

function allPids(): string[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

/** `root` and every process below it, whatever group or session they moved to. */
function tree(root: number): Proc[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = stat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(pid)]);
  }
  const found: Proc[] = [];
  for (const queue = [root]; queue.length;) {
    const pid = queue.shift()!;
    const s = stat(pid);
    if (!s || s.state === 'Z') continue;
    found.push({ pid, started: s.started, command: commandOf(pid) });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Listening TCP sockets on this machine: inode → port. */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') sockets.set(fields[9]!, parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return sockets;
}

/** The ports the processes listen on. */
function portsOf(processes: Proc[]): number[] {
  const sockets = listeningSockets();
  const ports = new Set<number>();
  for (const { pid } of processes) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        const port = inode && sockets.get(inode);
        if (port) ports.add(port);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let env: NodeJS.ProcessEnv;
let ports: { temporal: number; ui: number; samples: number[]; api: number };
/** Every process a run had, to be sure none outlives this file even when a test fails. */
const seen: Proc[] = [];

before(async () => {
  if (linuxOnly) return;
  dir = mkdtempSync(join(tmpdir(), 'jml-start-stop-'));
  const config = parse(readFileSync(join(ROOT, 'config', 'jml.yaml'), 'utf8')) as {
    http: { port: number };
    applications: { baseUrl?: string }[];
    samples: { kind: string; port: number }[];
    policy?: string;
  };
  ports = { temporal: await freePort(), ui: await freePort(), samples: [], api: await freePort() };
  // The SCIM samples; the Keycloak and PostgreSQL ones stay off (JML_SAMPLES, below).
  for (const sample of config.samples.filter((s) => s.kind === 'scim')) {
    const port = await freePort();
    for (const app of config.applications)
      app.baseUrl = app.baseUrl?.replace(`:${sample.port}/`, `:${port}/`);
    sample.port = port;
    ports.samples.push(port);
  }
  config.http.port = ports.api;
  config.policy = join(ROOT, 'config', config.policy ?? 'policy.yaml');
  writeFileSync(join(dir, 'jml.yaml'), stringify(config));
  env = {
    ...process.env,
    JML_CONFIG: join(dir, 'jml.yaml'),
    JML_DATA_DIR: join(dir, 'data'),
    JML_TEMPORAL_PORT: String(ports.temporal),
    JML_TEMPORAL_UI_PORT: String(ports.ui),
    JML_CODEC_PORT: String(await freePort()),
    JML_LOG_FORMAT: 'json',
    SAMPLE_SCIM_TOKEN: `start-stop-${randomUUID()}`,
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.JML_SAMPLES;
});

/** Processes of this file's jml that no snapshot caught: by their data directory or sample-app token. */
function strays(): number[] {
  return allPids()
    .filter((pid) => [dir, env.SAMPLE_SCIM_TOKEN!].some((mark) => commandOf(pid).includes(mark)))
    .map(Number);
}

after(() => {
  if (linuxOnly) return;
  for (const p of seen) if (alive(p)) process.kill(p.pid, 'SIGKILL');
  for (const pid of strays()) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Launch {
  launcher: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start`, in a process group of its own as a shell would run it; `terminal`: on a terminal of its own. */
function launch(how: 'pipe' | 'terminal' = 'pipe'): Launch {
  // util-linux `script` runs npm start on a new pseudo-terminal: killing it closes that terminal.
  const [command, args] =
    how === 'terminal' ? ['script', ['-qfec', 'npm start', '/dev/null']] : ['npm', ['start']];
  const launcher = spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => launcher.once('exit', (code) => done(code)));
  return { launcher, output: () => output, exited };
}

interface Run extends Launch {
  processes: Proc[];
  ports: number[];
  npm: Proc;
  node: Proc;
  watchdog: Proc;
  servers: Proc[];
}

/** Starts jml and waits until it serves; returns every process of the run and every port they listen on. */
async function start(how: 'pipe' | 'terminal' = 'pipe'): Promise<Run> {
  const launched = launch(how);
  const deadline = Date.now() + 60_000;
  let ended = false;
  void launched.exited.then(() => (ended = true));
  while (!launched.output().includes('jml is running')) {
    if (ended || Date.now() > deadline) {
      launched.launcher.kill('SIGKILL');
      assert.fail(`npm start did not come up:\n${launched.output()}`);
    }
    await sleep(100);
  }
  const health = await fetch(`http://127.0.0.1:${ports.api}/healthz`);
  assert.equal(health.status, 200, 'the API answers');
  const processes = tree(launched.launcher.pid!);
  seen.push(...processes);
  const find = (what: string, match: (command: string) => boolean): Proc[] => {
    const found = processes.filter((p) => match(p.command));
    assert.ok(
      found.length,
      `no ${what} among the run's processes:\n${processes.map((p) => p.command).join('\n')}`,
    );
    return found;
  };
  const servers = [
    ...find('Temporal dev server', (c) => c.includes('temporal server start-dev')),
    ...find('sample SCIM application', (c) => c.includes('scim2_server')),
  ];
  assert.equal(servers.length, 1 + ports.samples.length, 'the dev server and every sample application');
  const run: Run = {
    ...launched,
    processes,
    ports: portsOf(processes),
    npm: find('npm', (c) => c.startsWith('npm'))[0]!,
    node: find('jml node process', (c) => c.includes('scripts/start.ts'))[0]!,
    watchdog: find('watchdog', (c) => c.includes('watchdog.ts'))[0]!,
    servers,
  };
  for (const port of [ports.temporal, ports.ui, ...ports.samples, ports.api]) {
    assert.ok(
      run.ports.includes(port),
      `port ${port} is among those the run listens on (${run.ports.join(', ')})`,
    );
  }
  return run;
}

/**
 * Once the run has ended: none of its processes is left and none of its ports still listens. A run
 * that stopped itself (`graceful`) has removed its run record; one killed outright could not.
 */
async function assertNothingLeft(run: Run, graceful = true): Promise<void> {
  await Promise.race([run.exited, new Promise((done) => setTimeout(done, 20_000).unref())]);
  let survivors: Proc[] = [];
  let open: number[] = [];
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) {
    survivors = run.processes.filter(alive);
    const listening = new Set(listeningSockets().values());
    open = run.ports.filter((port) => listening.has(port));
    if (!survivors.length && !open.length) break;
  }
  assert.deepEqual(
    survivors.map((p) => `${p.pid} ${p.command}`),
    [],
    `processes of the run still running:\n${run.output().slice(-3000)}`,
  );
  assert.deepEqual(open, [], 'ports of the run still listening');
  assert.notEqual(run.launcher.exitCode ?? run.launcher.signalCode, null, 'npm start has ended');
  assert.equal(existsSync(join(dir, 'data', 'start.pids')), !graceful, 'the run record is gone after a stop');
}

void describe('however npm start is stopped, it leaves nothing behind', { skip: linuxOnly }, () => {
  void test('Ctrl-C: SIGINT to its process group', async () => {
    const run = await start();
    process.kill(-run.launcher.pid!, 'SIGINT');
    await assertNothingLeft(run);
    assert.match(run.output(), /"reason":"SIGINT"/);
  });

  void test('SIGTERM to npm', async () => {
    const run = await start();
    process.kill(run.npm.pid, 'SIGTERM');
    await assertNothingLeft(run);
    assert.match(run.output(), /"reason":"SIGTERM"/);
  });

  void test('SIGTERM to node', async () => {
    const run = await start();
    process.kill(run.node.pid, 'SIGTERM');
    await assertNothingLeft(run);
    assert.match(run.output(), /"reason":"SIGTERM"/);
  });

  void test('its terminal closing (the kernel sends SIGHUP)', async () => {
    const run = await start('terminal');
    // As a terminal window closing: the program holding the terminal's other end goes away.
    process.kill(run.launcher.pid!, 'SIGKILL');
    await assertNothingLeft(run);
  });

  void test('npm killed (SIGKILL): node notices its parent is gone', async () => {
    const run = await start();
    process.kill(run.npm.pid, 'SIGKILL');
    await assertNothingLeft(run);
  });

  void test('node killed (SIGKILL): its watchdog stops the servers', async () => {
    const run = await start();
    process.kill(run.node.pid, 'SIGKILL');
    await assertNothingLeft(run, false);
  });
});

void describe('the next npm start', { skip: linuxOnly }, () => {
  void test('stops what a run killed with its watchdog left running, known from the run record', async () => {
    const first = await start();
    process.kill(first.node.pid, 'SIGKILL');
    process.kill(first.watchdog.pid, 'SIGKILL');
    await first.exited;
    await sleep(1000);
    assert.deepEqual(
      first.servers.filter((p) => !alive(p)).map((p) => p.command),
      [],
      'with nobody left to stop them, the servers still run',
    );

    const second = await start();
    assert.match(second.output(), /stopped what an earlier `npm start` left running/);
    assert.deepEqual(
      first.processes.filter(alive).map((p) => `${p.pid} ${p.command}`),
      [],
      'nothing of the first run is left',
    );
    process.kill(-second.launcher.pid!, 'SIGINT');
    await assertNothingLeft(second);
  });

  void test('refuses to start beside a run that is alive, and leaves that run alone', async () => {
    const running = await start();
    const second = launch();
    assert.equal(await second.exited, 1, second.output());
    assert.match(second.output(), new RegExp(`jml is already running here \\(pid ${running.node.pid}\\b`));
    const record = JSON.parse(readFileSync(join(dir, 'data', 'start.pids'), 'utf8')) as {
      owner: { pid: number };
    };
    assert.equal(record.owner.pid, running.node.pid, "the running one's record is kept");
    assert.deepEqual(
      running.processes.filter((p) => !alive(p)).map((p) => p.command),
      [],
      'the running one is untouched',
    );
    assert.equal((await fetch(`http://127.0.0.1:${ports.api}/healthz`)).status, 200);
    process.kill(running.node.pid, 'SIGTERM');
    await assertNothingLeft(running);
  });

  void test('refuses a port another program listens on, naming it, and starts nothing', async () => {
    const stranger: Server = createServer();
    const port = ports.samples[1]!;
    await new Promise<void>((done) => stranger.listen(port, '127.0.0.1', done));
    try {
      const refused = launch();
      assert.equal(await refused.exited, 1, refused.output());
      assert.match(
        refused.output(),
        new RegExp(`127\\.0\\.0\\.1:${port} is in use by a program jml did not start`),
      );
      assert.deepEqual(strays().map(commandOf), [], 'no server of this jml was started');
      const listening = new Set(listeningSockets().values());
      assert.deepEqual(
        [ports.temporal, ports.ui, ports.samples[0], ports.api].filter((p) => listening.has(p!)),
        [],
      );
      assert.ok(stranger.listening, "the other program's server still listens");
    } finally {
      await new Promise((done) => stranger.close(done));
    }
    const next = await start();
    process.kill(-next.launcher.pid!, 'SIGINT');
    await assertNothingLeft(next);
  });
});
