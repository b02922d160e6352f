// One application's request limits in one process, on a clock the test moves: the spacing of starts,
// the part taken when several processes share the limits, the pause after a 429, the concurrency cap.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RequestLimiter,
  requestLimiterOf,
  RESENDS_AFTER_WAIT,
  type LimiterClock,
} from '../../connectors/request-limiter';
import { TransientConnectorError } from '../../connectors/errors';
import { workersIn } from '../../workers/limit-shares';
import { msNumberToTs } from '@temporalio/common/lib/time';

/** A clock that moves only when told: `settle()` runs everything due, then jumps to the next timer. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const clock: LimiterClock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
  };
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    clock,
    get now() {
      return now;
    },
    /** Moves time forward timer by timer until nothing is waiting. */
    async settle() {
      await flush();
      while (timers.length) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift()!;
        now = Math.max(now, next.at);
        next.resolve();
        await flush();
      }
    },
  };
}

void describe('RequestLimiter', () => {
  void test('requests start one interval apart at the rate limit, in the order they came', async () => {
    const time = manualClock();
    const limiter = new RequestLimiter({ rateLimit: 10 }, time.clock);
    const starts: number[] = [];
    const done = Promise.all(
      [0, 1, 2, 3, 4].map(() => limiter.run(() => Promise.resolve(starts.push(time.now)))),
    );
    await time.settle();
    await done;
    assert.deepEqual(starts, [0, 100, 200, 300, 400]);
  });

  void test('two processes sharing the limits each start half as many', async () => {
    const time = manualClock();
    const limiter = new RequestLimiter({ rateLimit: 10 }, time.clock);
    limiter.share(2);
    assert.equal(limiter.sharedBy, 2);
    const starts: number[] = [];
    const done = Promise.all([0, 1, 2].map(() => limiter.run(() => Promise.resolve(starts.push(time.now)))));
    await time.settle();
    await done;
    assert.deepEqual(starts, [0, 200, 400]);
  });

  void test('an answer with Retry-After holds every request not yet started, not only its own', async () => {
    const time = manualClock();
    const limiter = new RequestLimiter({ rateLimit: 100 }, time.clock);
    const sends: number[] = [];
    const starts: number[] = [];
    const rateLimited = limiter.run(() => {
      sends.push(time.now);
      return sends.length === 1
        ? Promise.reject(new TransientConnectorError('crm: 429', 2_000))
        : Promise.resolve();
    });
    const others = Promise.all([0, 1].map(() => limiter.run(() => Promise.resolve(starts.push(time.now)))));
    await time.settle();
    await Promise.all([rateLimited, others]);
    // The others were due at 10 and 20 ms; they wait out the 2 s the application asked for, and the
    // request that got the 429 is sent again after it, so its call goes on.
    assert.equal(sends[0], 0);
    assert.ok(sends[1]! >= 2_000, `sent again at ${sends[1]}`);
    assert.ok(starts[0]! >= 2_000 && starts[1]! >= 2_000, `started at ${starts.join(', ')}`);
    assert.ok(starts[1]! > starts[0]!, 'still spaced after the pause');
  });

  void test(`a request is sent again after each wait ${RESENDS_AFTER_WAIT} times at most, and a long wait fails its call at once`, async () => {
    const time = manualClock();
    const limiter = new RequestLimiter({}, time.clock);
    const sends: number[] = [];
    const refused = limiter.run(() => {
      sends.push(time.now);
      return Promise.reject(new TransientConnectorError('crm: 429', 1_000));
    });
    const failed = assert.rejects(refused, /429/);
    await time.settle();
    await failed;
    assert.deepEqual(sends, [0, 1_000, 2_000, 3_000]);
    const long: number[] = [];
    const failedAtOnce = assert.rejects(
      limiter.run(() => {
        long.push(time.now);
        return Promise.reject(new TransientConnectorError('crm: 503', 60_000));
      }),
      /503/,
    );
    await time.settle();
    await failedAtOnce;
    assert.equal(long.length, 1, 'a minute is waited out by the workflow, not in the request');
  });

  void test('a transient failure without Retry-After does not pause the application', async () => {
    const time = manualClock();
    const limiter = new RequestLimiter({ maxConcurrency: 1 }, time.clock);
    await assert.rejects(
      limiter.run(() => Promise.reject(new TransientConnectorError('crm: 502'))),
      /502/,
    );
    const started: number[] = [];
    await limiter.run(() => Promise.resolve(started.push(time.now)));
    assert.deepEqual(started, [0]);
  });

  void test('no more requests under way at once than this process’s part of maxConcurrency', async () => {
    const limiter = new RequestLimiter({ maxConcurrency: 4 });
    limiter.share(2);
    let underWay = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const all = Promise.all(
      Array.from({ length: 6 }, () =>
        limiter.run(async () => {
          underWay += 1;
          most = Math.max(most, underWay);
          await new Promise<void>((resolve) => releases.push(resolve));
          underWay -= 1;
        }),
      ),
    );
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    await flush();
    assert.equal(underWay, 2);
    // One process left: the part grows to the whole, and waiting requests start at once.
    limiter.share(1);
    await flush();
    assert.equal(underWay, 4);
    while (releases.length) {
      releases.shift()!();
      await flush();
    }
    await all;
    assert.equal(most, 4);
    assert.equal(underWay, 0);
  });

  void test('an application without declared limits is not spaced or capped until it asks to wait, then paced at what it answered', async () => {
    assert.deepEqual(requestLimiterOf({}).limits, { rateLimit: undefined, maxConcurrency: undefined });
    assert.equal(requestLimiterOf({ rateLimit: 5 }).limits.rateLimit, 5);
    const time = manualClock();
    const limiter = new RequestLimiter({}, time.clock);
    const starts: number[] = [];
    await Promise.all([0, 1, 2].map(() => limiter.run(() => Promise.resolve(starts.push(time.now)))));
    assert.deepEqual(starts, [0, 0, 0], 'all at once');
    assert.equal(limiter.learnedRate, undefined);
    let sent = 0;
    const refusedOnce = limiter.run(() =>
      sent++ === 0 ? Promise.reject(new TransientConnectorError('crm: 429', 1_000)) : Promise.resolve(),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const later = limiter.run(() => Promise.resolve(starts.push(time.now)));
    await time.settle();
    await Promise.all([refusedOnce, later]);
    assert.equal(sent, 2, 'the refused request was sent again');
    // Three were answered in the second before the wait: three a second from now on.
    assert.equal(limiter.learnedRate, 3);
    assert.equal(
      Math.round(starts[3]!),
      1_333,
      'after the Retry-After and the refused request, one pace apart',
    );
  });

  void test('without a declared rate, the pace learned from its 429s settles near what the application serves', async () => {
    // An application that serves 20 requests a second (a token bucket holding 4, as the benchmark's
    // proxy does) and answers 429 with Retry-After: 1 beyond that; each request takes 50 ms. Forty
    // calls keep it busy for two minutes.
    const time = manualClock();
    const limiter = new RequestLimiter({}, time.clock);
    const R = 20;
    const bucket = { tokens: 4, at: 0 };
    const served: number[] = [];
    const refused: number[] = [];
    const request = async () => {
      const now = time.now;
      bucket.tokens = Math.min(4, bucket.tokens + ((now - bucket.at) * R) / 1000);
      bucket.at = now;
      const ok = bucket.tokens >= 1;
      if (ok) bucket.tokens -= 1;
      await time.clock.sleep(50);
      if (!ok) {
        refused.push(now);
        throw new TransientConnectorError('crm: 429', 1_000);
      }
      served.push(now);
    };
    const END = 120_000;
    const caller = async () => {
      while (time.now < END) await limiter.run(request).catch(() => undefined);
    };
    const callers = Promise.all(Array.from({ length: 40 }, caller));
    await time.settle();
    await callers;
    const after = (list: number[], from: number) => list.filter((t) => t >= from && t < END).length;
    const share = after(served, 20_000) / (((END - 20_000) / 1000) * R);
    assert.ok(share >= 0.9, `served ${(share * 100).toFixed(1)}% of what the application allows`);
    const refusals = after(refused, 20_000);
    assert.ok(refusals <= 20, `${refusals} refused after the first 20 s (${refused.length} in all)`);
  });
});

void describe('workersIn', () => {
  const at = msNumberToTs;
  void test('counts distinct workers that polled within the last 75 s, and at least this one', () => {
    const now = 1_000_000;
    const pollers = [
      { identity: 'a', lastAccessTime: at(now - 1_000) },
      { identity: 'a', lastAccessTime: at(now - 2_000) },
      { identity: 'b', lastAccessTime: at(now - 70_000) },
      { identity: 'dead', lastAccessTime: at(now - 200_000) },
      { identity: '', lastAccessTime: at(now) },
    ];
    assert.equal(workersIn(pollers, now), 2);
    assert.equal(workersIn([], now), 1);
  });
});
