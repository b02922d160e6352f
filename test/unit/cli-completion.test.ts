// `jml completion bash|zsh`: the scripts follow the command tree; the bash one is run in bash.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jml } from './cli-run';

/** What bash offers after `words` (the last one being completed), with the script sourced. */
function bashOffers(script: string, words: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'jml-completion-'));
  try {
    writeFileSync(join(dir, 'jml.bash'), script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const out = execFileSync('bash', [
      '-c',
      `source '${join(dir, 'jml.bash')}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _jml; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ]).toString();
    return out.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void describe('jml completion', { concurrency: true }, () => {
  void test('bash: commands, subcommands, options and choices, skipping option values', async () => {
    const run = await jml(['completion', 'bash']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^complete -o default -F _jml jml$/m);
    const offers = (...words: string[]) => bashOffers(run.stdout, ['jml', ...words]);
    assert.deepEqual(offers('')?.slice(0, 3), ['event', 'status', 'retry']);
    for (const name of [
      'approvals',
      'approve',
      'deny',
      'tasks',
      'done',
      'token',
      'config',
      'policy',
      'completion',
      'help',
    ]) {
      assert.ok(offers('').includes(name), name);
    }
    assert.deepEqual(offers('ap'), ['approvals', 'approve']);
    assert.deepEqual(offers('config', ''), ['check', '--help']);
    assert.deepEqual(offers('completion', ''), ['bash', 'zsh', '--help']);
    assert.deepEqual(offers('event', 'hire.json', '--w'), ['--wait', '--wait-timeout']);
    assert.deepEqual(offers('--timeout', '5s', 'ta'), ['tasks'], 'the value of --timeout is not a command');
    assert.deepEqual(offers('approve', 'apr-1', '--as', ''), [], 'an option value: nothing to offer');
  });

  void test('zsh: a #compdef script describing every command and option', async () => {
    const run = await jml(['completion', 'zsh']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith('#compdef jml\n'));
    assert.match(run.stdout, /^compdef _jml jml$/m);
    assert.ok(run.stdout.includes(`'event:validate, sign and send one HR event (JSON) to the jml API'`));
    assert.ok(run.stdout.includes(`'--wait-timeout:with --wait, give up after this long'`));
    assert.match(run.stdout, /^ {4}config_check\) items=\(.*\); files=1 ;;$/m, 'file names for config check');
    // zsh is not always installed; where it is, the script must at least parse.
    try {
      execFileSync('zsh', ['-n', '-c', run.stdout]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  });

  void test('another shell is bad input', async () => {
    const run = await jml(['completion', 'fish']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /value 'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh/);
  });
});
