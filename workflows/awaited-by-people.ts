// What approval requests and manual tasks share: items that wait for a person, numbered per
// employment, counted in a search attribute, and settled only by someone allowed to. A refused
// attempt is recorded on the item for the audit trail and changes nothing else.
import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { messageId, type MessageKind } from '../domain/lifecycle';
import type { PendingApprovalsKey } from './messages';

/** An Int search attribute that counts the waiting items. */
type CountKey = typeof PendingApprovalsKey;

export interface Settlement {
  /** The request or task id. */
  id: string;
  /** Employee id of who acts. */
  actor: string;
}

export abstract class AwaitedByPeople<T extends { status: string }, D> {
  protected readonly items = new Map<string, T>();
  private waitingCount = 0;

  protected constructor(
    protected readonly employeeId: string,
    /** The employment part of ids (see messageId). */
    private readonly employment: string,
    private sequence: number,
    private readonly kind: MessageKind,
    private readonly countKey: CountKey,
    protected readonly onChange: () => void,
  ) {}

  /** Carried across continue-as-new so ids stay unique for the person. */
  get lastSequence(): number {
    return this.sequence;
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** The items still waiting for someone. */
  waiting(): T[] {
    return this.list().filter((item) => this.isWaiting(item));
  }

  /** Whether this run knows the item at all (an unknown one is not found, rather than refused). */
  has(id: string): boolean {
    return this.items.has(id);
  }

  /** Why this attempt cannot be taken, or undefined when it can. Never changes state. */
  refusal(attempt: D): string | undefined {
    const { id, actor } = this.settlementOf(attempt);
    const item = this.items.get(id);
    if (!item) return `no ${this.noun} ${id} for ${this.employeeId}`;
    if (!this.isWaiting(item)) return `${this.noun} ${id} is already ${item.status}`;
    if (actor === this.employeeId) return this.selfRefusal;
    return this.whoMayNot(item, attempt);
  }

  /** Settles the item; a refused attempt is recorded on it and changes nothing else. */
  settle(attempt: D): T | undefined {
    const { id } = this.settlementOf(attempt);
    const item = this.items.get(id);
    const why = this.refusal(attempt);
    if (why) {
      log.warn(`${this.noun} refused`, { id, why });
      if (item) this.recordRefusal(item, attempt, why);
      this.onChange();
      return undefined;
    }
    this.apply(item!, attempt);
    this.sync();
    return item;
  }

  /** Refuses an attempt for a reason found outside the item (the actor has left), on the record. */
  refuse(attempt: D, why: string): void {
    const { id } = this.settlementOf(attempt);
    log.warn(`${this.noun} refused`, { id, why });
    const item = this.items.get(id);
    if (item) this.recordRefusal(item, attempt, why);
    this.onChange();
  }

  protected nextId(): string {
    return messageId(this.kind, this.employment, ++this.sequence, this.employeeId);
  }

  /** Keeps the search attribute's count of waiting items true, and the current details. */
  protected sync(): void {
    const count = this.waiting().length;
    if (count !== this.waitingCount) {
      this.waitingCount = count;
      upsertSearchAttributes([{ key: this.countKey, value: count }]);
    }
    this.onChange();
  }

  protected abstract readonly noun: string;
  protected abstract readonly selfRefusal: string;
  protected abstract isWaiting(item: T): boolean;
  protected abstract settlementOf(attempt: D): Settlement;
  /** Why this actor may not settle the item, or undefined when they may. */
  protected abstract whoMayNot(item: T, attempt: D): string | undefined;
  protected abstract recordRefusal(item: T, attempt: D, why: string): void;
  protected abstract apply(item: T, attempt: D): void;
}
