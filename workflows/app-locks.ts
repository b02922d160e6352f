// One change at a time per application for a person: the joiner, the mover and scheduled revocations
// run concurrently, and each must see (and leave) the application's state whole.
export class AppLocks {
  /** Per application, the promise that settles when the last queued holder is done. */
  private readonly tails = new Map<string, Promise<void>>();

  withApp<T>(appId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(appId);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => done) : done;
    this.tails.set(appId, tail);
    const run = async () => {
      try {
        return await work();
      } finally {
        release();
        if (this.tails.get(appId) === tail) this.tails.delete(appId);
      }
    };
    // Uncontended work starts at once, so taking the lock adds no step to the workflow's commands.
    return previous ? previous.then(run) : run();
  }
}
