/**
 * Group commit, shared by the ingest spool and the revocation outbox: callers queue items
 * and wait; one commit runs at a time and takes everything queued while the previous one
 * ran, so a burst of callers costs one write and one sync instead of one each. Every caller
 * of a batch settles with it: all resolve once `commit` has returned (the items are
 * durable), or all reject with its error.
 */
interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  #queue: Waiting<T>[] = [];
  #running: Promise<void> | undefined;

  /**
   * @param commit writes and syncs one batch, in the order the items were added
   * @param committed runs after the batch's callers are resolved (e.g. wakes a reader)
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly committed?: (items: T[]) => void,
  ) {}

  /** Queues an item; resolves once it is committed. */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#kick();
    });
  }

  /** Nothing queued and no commit under way. */
  get idle(): boolean {
    return this.#running === undefined && this.#queue.length === 0;
  }

  /** Settles when the commit under way (if any) has finished. */
  async settled(): Promise<void> {
    await this.#running;
  }

  /** Starts the loop unless it runs; an item that lands as it finishes restarts it. */
  #kick(): void {
    if (this.#running) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const items = batch.map((w) => w.item);
      try {
        await this.commit(items);
        for (const w of batch) w.resolve();
        this.committed?.(items);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
  }
}
