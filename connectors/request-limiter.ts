// One application's request limits, shared by every call this process makes to it: requests are
// started no faster than its `rateLimit` and no more at once than its `maxConcurrency`, each divided by
// the number of jml processes serving the application (its task queue's pollers, workers/limit-shares.ts),
// so that adding workers never overloads it. An answer that asks to wait (429 or 503 with Retry-After)
// holds every call to the application until then, not only the one that got it; the request that got
// it is sent again once the wait is over (a few times, for short waits), so the rest of its call is
// not thrown away and tried again from the start, and the held requests go out spread over a moment
// rather than all at once.
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
/** Requests held by a wait go out spread over up to this long after it, not all in the same instant. */
const LONGEST_SPREAD_MS = 1_000;

export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1): where in the spread after a wait a held request goes out. */
  random?(): number;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export class RequestLimiter {
  private processes = 1;
  /** The earliest time the next request may start (clock ms). */
  private nextStart = 0;
  private pausedUntil = 0;
  /** Over how long the requests held by the current wait go out once it is over. */
  private spreadMs = 0;
  private running = 0;
  private readonly queued: Array<() => void> = [];

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
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.spreadMs = Math.min(ms, LONGEST_SPREAD_MS);
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
        return await request();
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
    if (this.running < this.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queued.push(resolve));
  }

  private leave(): void {
    this.running -= 1;
    this.admitQueued();
  }

  private admitQueued(): void {
    while (this.queued.length && this.running < this.concurrency) {
      this.running += 1;
      this.queued.shift()?.();
    }
  }

  /**
   * Waits for this request's start: each one reserves the next free instant, one interval after the
   * last, so requests are spread evenly (no burst beyond the rate); a pause that began meanwhile moves
   * the request past it.
   */
  private async turn(): Promise<void> {
    const rate = this.limits.rateLimit;
    for (;;) {
      const now = this.clock.now();
      // Without a rate to space them, the requests a wait held go out spread over a moment after it.
      const held = this.pausedUntil > now && rate === undefined;
      const spread = held ? (this.clock.random?.() ?? 0) * this.spreadMs : 0;
      const at = Math.max(now, this.pausedUntil + spread, rate === undefined ? now : this.nextStart);
      if (rate !== undefined) this.nextStart = at + (1000 * this.processes) / rate;
      if (at > now) await this.clock.sleep(at - now);
      if (this.pausedUntil <= this.clock.now()) return;
    }
  }
}

/**
 * The limiter of an application's requests. One that declares no limits gets one too: its requests
 * are never spaced or capped, but an answer asking to wait (429, Retry-After) still holds them all.
 */
export function requestLimiterOf(app: RequestLimits): RequestLimiter {
  return new RequestLimiter({ rateLimit: app.rateLimit, maxConcurrency: app.maxConcurrency });
}
