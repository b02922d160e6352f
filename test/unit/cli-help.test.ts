// `--help` on every command of the tree: non-empty, exit 0, naming the command and its options.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allNodes, commandTree } from '../../cli/command-tree';
import { buildProgram } from '../../cli/program';
import { jml } from './cli-run';

/** The options each command is documented with; a command added or changed shows here. */
const EXPECTED: Record<string, string[]> = {
  '': ['--timeout', '--version'],
  event: ['--wait', '--wait-timeout', '--poll-interval'],
  roster: [],
  'roster import': ['--source', '--format', '--dry-run', '--json'],
  status: ['--json'],
  retry: ['--app', '--by', '--json'],
  reconcile: ['--app', '--run', '--wait', '--json', '--wait-timeout', '--poll-interval'],
  skip: ['--app', '--reason', '--by', '--json'],
  plan: ['--diff', '--json'],
  approvals: ['--approver', '--json'],
  approve: ['--as', '--reason', '--json'],
  deny: ['--as', '--reason', '--json'],
  guard: [],
  'guard status': ['--json'],
  'guard approve': ['--as', '--employee', '--reason', '--json'],
  'guard reject': ['--as', '--employee', '--reason', '--json'],
  tasks: ['--assignee', '--json'],
  done: ['--as', '--note', '--json'],
  token: ['--valid'],
  config: [],
  'config check': [],
  policy: [],
  'policy check': [],
  audit: [],
  'audit verify': ['--from', '--to', '--json'],
  'audit public-key': [],
  evidence: [],
  'evidence leaver': ['--event', '--format', '--out'],
  'evidence export': ['--from', '--to', '--format'],
  report: ['--from', '--to', '--json'],
  completion: [],
};

const nodes = allNodes(commandTree(buildProgram())).filter((n) => n.path[0] !== 'help');

void describe('jml --help', { concurrency: true }, () => {
  void test('every command in the tree is one this test knows', () => {
    assert.deepEqual(nodes.map((n) => n.path.join(' ')).sort(), Object.keys(EXPECTED).sort());
  });

  for (const node of nodes) {
    const name = ['jml', ...node.path].join(' ');
    void test(`${name} --help`, async () => {
      const run = await jml([...node.path, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.startsWith(`Usage: ${name} `), run.stdout);
      // Help wraps long lines at the terminal width.
      assert.ok(run.stdout.replace(/\s+/g, ' ').includes(node.description), 'says what the command does');
      for (const flag of [...EXPECTED[node.path.join(' ')]!, '--help']) {
        assert.ok(run.stdout.includes(flag), `${name} --help names ${flag}:\n${run.stdout}`);
      }
      if (node.subcommands.length === 0 && node.path.length) {
        assert.match(run.stdout, /Examples:\n {2}\$ .*\bjml /, 'shows examples');
      }
    });
  }

  void test('jml alone and jml help show the commands, the environment and the exit codes', async () => {
    for (const args of [[], ['help'], ['--help']]) {
      const run = await jml(args);
      assert.equal(run.code, 0, run.stderr);
      for (const text of [
        'Commands:',
        'event [options] <file>',
        'JML_URL',
        'Exit codes:',
        '3  unreachable',
      ]) {
        assert.ok(run.stdout.includes(text), `jml ${args.join(' ')} shows ${text}`);
      }
    }
    const retry = await jml(['help', 'retry']);
    assert.ok(retry.stdout.startsWith('Usage: jml retry '), retry.stdout);
  });

  void test('a usage error names the problem and the usage line, and exits 2', async () => {
    const run = await jml(['approve']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^jml: missing required argument 'requestId'$/m);
    assert.match(run.stderr, /^usage: jml approve \[options\] <requestId>$/m);
    const unknown = await jml(['stauts', 'E1001']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'stauts'/);
  });
});
