// The lifecycle state as Prometheus gauges, read from Temporal when scraped (lifecycle-state.ts).
// One reading serves every scrape for `cacheMs`, and scrapes that arrive together share one, so a
// scrape storm does not become a visibility storm. While Temporal cannot be read the state gauges
// are left out rather than shown stale or as zeros, and `jml_temporal_up` is 0.
import type { Client } from '@temporalio/client';
import { Gauge, Registry } from 'prom-client';
import { readLifecycleState, RUNNING_STAGES, type LifecycleState } from './lifecycle-state';

interface Reading {
  at: number;
  state?: LifecycleState;
  problem?: string;
}

export interface StateMetricsOptions {
  taskQueue: string;
  /** How long one reading is served. */
  cacheMs: number;
  /** Longest a reading waits for Temporal. */
  deadlineMs: number;
}

export class LifecycleStateMetrics {
  /** Always answered: whether the state below could be read. */
  private readonly health = new Registry();
  private readonly state = new Registry();
  private readonly up = gauge(
    this.health,
    'jml_temporal_up',
    "1 when Temporal's visibility answered the last reading, else 0",
  );
  private readonly people = new Gauge({
    name: 'jml_people',
    help: 'People whose identity workflow is running, by lifecycle stage',
    labelNames: ['stage'],
    registers: [this.state],
  });
  private readonly needsAttention = gauge(
    this.state,
    'jml_needs_attention',
    'People whose workflow has NeedsAttention set',
  );
  private readonly approvalsWaiting = gauge(
    this.state,
    'jml_approvals_waiting',
    'Approval requests waiting for a decision',
  );
  private readonly tasksOpen = gauge(
    this.state,
    'jml_manual_tasks_open',
    'Manual tasks waiting for someone to attest them',
  );
  private readonly tasksOverdue = gauge(
    this.state,
    'jml_manual_tasks_overdue',
    'People with an open manual task whose workflow needs attention (every overdue task flags its application)',
  );
  private reading?: Reading;
  private pending?: Promise<Reading>;

  constructor(
    private readonly client: Client,
    private readonly options: StateMetricsOptions,
  ) {}

  /**
   * The gauges in the text format, and why the state could not be read this time (for the log; it
   * names no person: a search-attribute query names none).
   */
  async exposition(): Promise<{ text: string; problem?: string }> {
    const reading = await this.current();
    if (!reading.state) {
      this.up.set(0);
      return { text: await this.health.metrics(), problem: reading.problem };
    }
    this.up.set(1);
    const { state } = reading;
    for (const stage of RUNNING_STAGES) this.people.set({ stage }, state.people[stage]);
    this.needsAttention.set(state.needsAttention);
    this.approvalsWaiting.set(state.approvalsWaiting);
    this.tasksOpen.set(state.tasksOpen);
    this.tasksOverdue.set(state.tasksOverdue);
    return { text: `${await this.health.metrics()}\n${await this.state.metrics()}` };
  }

  private current(): Promise<Reading> {
    const now = Date.now();
    if (this.reading && now - this.reading.at < this.options.cacheMs) return Promise.resolve(this.reading);
    this.pending ??= this.read().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** A failed reading is kept as long as a good one, so an unreachable Temporal is not asked more often. */
  private async read(): Promise<Reading> {
    const { taskQueue, deadlineMs } = this.options;
    try {
      const state = await this.client.withDeadline(Date.now() + deadlineMs, () =>
        readLifecycleState(this.client, taskQueue),
      );
      this.reading = { at: Date.now(), state };
    } catch (error) {
      this.reading = { at: Date.now(), problem: error instanceof Error ? error.message : String(error) };
    }
    return this.reading;
  }
}

function gauge(registry: Registry, name: string, help: string): Gauge {
  return new Gauge({ name, help, registers: [registry] });
}
