// settleEach: at most `limit` calls at once, every call ended before a failure is thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleEach } from '../../connectors/concurrency';

/** A call that ends when the test says so, recording how many run at once. */
function gate() {
  let running = 0;
  let most = 0;
  const waiting: (() => void)[] = [];
  const call = async () => {
    running += 1;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => waiting.push(resolve));
    running -= 1;
  };
  return { call, waiting, most: () => most, running: () => running };
}

void test('runs every item with no more than the limit under way at once', async () => {
  const g = gate();
  const seen: number[] = [];
  const done = settleEach([1, 2, 3, 4, 5], 2, async (n) => {
    seen.push(n);
    await g.call();
  });
  while (seen.length < 5 || g.running() > 0) {
    await new Promise((r) => setImmediate(r));
    g.waiting.shift()?.();
  }
  await done;
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(g.most(), 2);
});

void test('a failure is thrown only once every other call has ended', async () => {
  const ended: number[] = [];
  let release: () => void = () => undefined;
  const slow = new Promise<void>((resolve) => (release = resolve));
  let settled = false;
  const done = settleEach([1, 2, 3], 3, async (n) => {
    if (n === 1) throw new Error('first fails');
    if (n === 2) await slow;
    ended.push(n);
  }).finally(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'still waiting for the slow call');
  release();
  await assert.rejects(done, /first fails/);
  assert.deepEqual(ended.sort(), [2, 3]);
});

void test('no items: nothing runs and nothing fails', async () => {
  await settleEach([], 4, () => Promise.reject(new Error('never called')));
});
