// One application's request limits, shared by every call this process makes to it: requests are
// started no faster than its `rateLimit` and no more at once than its `maxConcurrency`, each divided by
// the number of jml processes serving the application (its task queue's pollers, workers/limit-shares.ts),
// so that adding workers never overloads it. An answer that asks to wait (429 or 503 with Retry-After)
// holds every call to the application until then, not only the one that got it; the request that got
// it is sent again once the wait is over (a few times, for short waits), so the rest of its call is
// not thrown away and tried again from the start. An application that declares no rate is paced from
// its first wait on, at a rate learned from its answers (as LEARNING_STEP_MS describes), so that a
// burst settles near what it serves instead of being refused again and again.
import { TransientConnectorError } from './errors';

export interface RequestLimits {
  /** Requests per second the application accepts from all of jml together. */
  rateLimit?: number;
  /** Requests under way at once the application accepts from all of jml together. */
  maxConcurrency?: number;
}

/** How long every call waits after a 429 that does not say how long (RFC 6585 leaves it open). */
export const DEFAULT_RATE_LIMITED_PAUSE_MS = 1_000;

/** How often one request is sent again after answers that asked to wait, before its call fails. */
export const RESENDS_AFTER_WAIT = 3;
/** Waits longer than this fail the call at once: the workflow waits them out between attempts. */
const LONGEST_WAIT_TO_RESEND_MS = 5_000;

/**
 * How the pace of an application without a declared rate is learned, TCP-like. It changes at most
 * once a second (the refusals of one moment are one signal). A wait sets it to what the application
 * answered in the last second, when that second was busy and not paused, so it is a measure of what
 * the application serves; otherwise a first wait starts from what was answered and a later one takes
 * SLOWER of the pace. Each second the pace held requests back without a wait it doubles up to the
 * last measured pace, then grows by FASTER of itself, probing for more. A pace without a wait for
 * FORGET_AFTER_MS is dropped.
 */
const LEARNING_STEP_MS = 1_000;
const SLOWER = 0.9;
const FASTER = 1.01;
const LEAST_LEARNED_RATE = 1;
const FORGET_AFTER_MS = 60_000;

export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A pace learned from an application's waits, in requests per second of this process. */
interface LearnedPace {
  rate: number;
  /** Up to this it doubles each second; beyond it, it grows by FASTER. */
  served: number;
  /** When the application last asked to wait (to forget the pace), when the pace was last slowed and raised. */
  waitedAt: number;
  slowedAt: number;
  raisedAt: number;
}

export class RequestLimiter {
  private processes = 1;
  /** The earliest time the next request may start (clock ms). */
  private nextStart = 0;
  private pausedUntil = 0;
  /** Without a declared rateLimit, the pace learned from the application's waits, once it asked. */
  private learned: LearnedPace | undefined;
  /** When the requests answered without a wait in the last second started (clock ms). */
  private readonly answered: number[] = [];
  /** Since when requests have been under way without a break (undefined: none is). */
  private busySince: number | undefined;
  private running = 0;
  private readonly queued: Array<() => void> = [];
  /** Requests admitted and waiting for their start, and whether they are being let go. */
  private readonly waiting: Array<() => void> = [];
  private releasing = false;

  constructor(
    readonly limits: RequestLimits,
    private readonly clock: LimiterClock = realClock,
  ) {}

  /** How many jml processes share the limits; this one's part is 1/processes of each. */
  share(processes: number): void {
    this.processes = Math.max(1, Math.floor(processes));
    this.admitQueued();
  }

  get sharedBy(): number {
    return this.processes;
  }

  /** Holds every request that has not started yet for `ms`. */
  pause(ms: number): void {
    const now = this.clock.now();
    if (this.limits.rateLimit === undefined) this.slowDown(now);
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
  }

  /** The pace learned without a declared rate (requests per second), once the application asked to wait. */
  get learnedRate(): number | undefined {
    return this.learned?.rate;
  }

  /**
   * Runs one request within the limits. An answer asking to wait pauses the whole application, and
   * this request is sent again once the wait is over (RESENDS_AFTER_WAIT times at most, for waits
   * up to LONGEST_WAIT_TO_RESEND_MS); then its failure is the call's.
   */
  async run<T>(request: () => Promise<T>): Promise<T> {
    for (let resent = 0; ; resent += 1) {
      await this.enter();
      try {
        await this.turn();
        const started = this.clock.now();
        const answer = await request();
        this.noteAnswered(started);
        return answer;
      } catch (error) {
        const wait = error instanceof TransientConnectorError ? error.retryAfterMs : undefined;
        if (wait === undefined) throw error;
        this.pause(wait);
        if (resent >= RESENDS_AFTER_WAIT || wait > LONGEST_WAIT_TO_RESEND_MS) throw error;
      } finally {
        this.leave();
      }
    }
  }

  /** This process's part of maxConcurrency: at least one, so every process can make progress. */
  private get concurrency(): number {
    const max = this.limits.maxConcurrency;
    return max === undefined ? Infinity : Math.max(1, Math.floor(max / this.processes));
  }

  /** Takes a place among the requests under way, or waits for one to be handed on. */
  private enter(): Promise<void> {
    this.busySince ??= this.clock.now();
    if (this.running < this.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queued.push(resolve));
  }

  private leave(): void {
    this.running -= 1;
    this.admitQueued();
    if (this.running === 0) this.busySince = undefined;
  }

  private admitQueued(): void {
    while (this.queued.length && this.running < this.concurrency) {
      this.running += 1;
      this.queued.shift()?.();
    }
  }

  /**
   * Waits for this request's start. Waiting requests are let go in the order they came, one interval
   * of the current pace apart (no burst beyond the rate), none while a pause lasts; each interval is
   * taken at the pace of the moment, so a pace that changes applies to every request still waiting.
   */
  private turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.releasing) void this.release();
    });
  }

  private async release(): Promise<void> {
    this.releasing = true;
    try {
      while (this.waiting.length) {
        const now = this.clock.now();
        const rate = this.rate(now);
        const at = Math.max(now, this.pausedUntil, rate === undefined ? now : this.nextStart);
        if (at > now) {
          this.speedUp(now);
          // Looked at again on waking: a pause or another pace may have come meanwhile.
          await this.clock.sleep(at - now);
          continue;
        }
        if (rate !== undefined) {
          // The instant this request was due; a timer that fired late by less than an interval does
          // not push the ones after it back, so the pace does not drift below the rate.
          const interval = 1000 / rate;
          const due = Math.max(this.nextStart, this.pausedUntil);
          this.nextStart = (due > now - interval ? due : now) + interval;
        }
        this.waiting.shift()!();
      }
    } finally {
      this.releasing = false;
    }
  }

  /** This process's pace: its part of the declared rate, else the learned one (undefined: none). */
  private rate(now: number): number | undefined {
    const declared = this.limits.rateLimit;
    if (declared !== undefined) return declared / this.processes;
    if (this.learned && now - this.learned.waitedAt > FORGET_AFTER_MS) this.learned = undefined;
    return this.learned?.rate;
  }

  private noteAnswered(startedAt: number): void {
    if (this.limits.rateLimit !== undefined) return;
    this.answered.push(startedAt);
    this.answeredSince(startedAt - LEARNING_STEP_MS);
  }

  /** The requests answered that started since `time`, forgetting older ones. */
  private answeredSince(time: number): number {
    while (this.answered.length && this.answered[0]! < time) this.answered.shift();
    return this.answered.length;
  }

  /** An answer asked to wait (before its pause is set): the pace is learned, or slowed. */
  private slowDown(now: number): void {
    const answered = this.answeredSince(now - LEARNING_STEP_MS);
    const wholeSecond =
      this.busySince !== undefined &&
      this.busySince <= now - LEARNING_STEP_MS &&
      this.pausedUntil <= now - LEARNING_STEP_MS;
    const measured = wholeSecond ? Math.max(LEAST_LEARNED_RATE, answered) : undefined;
    const learned = this.learned;
    if (!learned) {
      const rate = measured ?? Math.max(LEAST_LEARNED_RATE, answered);
      this.learned = { rate, served: measured ?? Infinity, waitedAt: now, slowedAt: now, raisedAt: now };
      return;
    }
    learned.waitedAt = now;
    if (now - learned.slowedAt < LEARNING_STEP_MS) return;
    learned.rate = Math.max(LEAST_LEARNED_RATE, Math.min(learned.rate * SLOWER, measured ?? Infinity));
    learned.served = measured ?? learned.rate;
    learned.slowedAt = now;
  }

  /**
   * The learned pace held a request back: after a second of it since the last pause ended and the last
   * raise, it may go faster.
   */
  private speedUp(now: number): void {
    const learned = this.learned;
    if (!learned || now - this.pausedUntil < LEARNING_STEP_MS || now - learned.raisedAt < LEARNING_STEP_MS)
      return;
    learned.rate =
      learned.rate < learned.served ? Math.min(learned.served, learned.rate * 2) : learned.rate * FASTER;
    learned.raisedAt = now;
  }
}

/**
 * The limiter of an application's requests. One that declares no limits gets one too: its requests
 * are neither spaced nor capped until it asks to wait (429, Retry-After); that holds them all, and
 * from then on they go at the pace learned from its answers.
 */
export function requestLimiterOf(app: RequestLimits): RequestLimiter {
  return new RequestLimiter({ rateLimit: app.rateLimit, maxConcurrency: app.maxConcurrency });
}
