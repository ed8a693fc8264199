/**
 * The fetch loop of one queue. pg-boss's own work() polls no faster than every 500 ms, runs a
 * batch to the end before fetching again, and stops in 500 ms steps; this loop keeps `concurrency`
 * jobs in flight, refills a slot as soon as it frees, wakes on notify() (a job was just sent from
 * this process), and stops by waiting for in-flight jobs up to a grace period.
 */
import type { Logger } from '../logging/logger.js';

export interface WorkerDeps<J> {
  queue: string;
  concurrency: number;
  pollIntervalMs: number;
  fetch(limit: number): Promise<J[]>;
  /** Runs one job to its end; must not throw (errors are the caller's to settle and log). */
  run(job: J): Promise<void>;
  log: Logger;
}

export class QueueWorker<J> {
  readonly #inFlight = new Set<Promise<void>>();
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #wakeRequested = false;

  constructor(private readonly deps: WorkerDeps<J>) {}

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Look for jobs now rather than at the next poll. */
  notify(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /** Stops fetching, then waits for in-flight jobs for up to `graceMs`. True when all finished. */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    this.notify();
    await this.#loop;
    if (this.#inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const drained = Promise.allSettled([...this.#inFlight]).then(() => true);
    const result = await Promise.race([drained, graceOver]);
    clearTimeout(timer);
    return result;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const free = this.deps.concurrency - this.#inFlight.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const jobs = await this.deps.fetch(free);
          fetched = jobs.length;
          for (const job of jobs) this.#track(job);
        } catch (error) {
          this.deps.log.warn({ err: error, queue: this.deps.queue }, 'job fetch failed');
        }
      }
      if (this.#stopping) break;
      // A full batch suggests more are waiting: go round again at once (the next pass waits for a free slot).
      if (fetched > 0 && fetched === free) continue;
      await this.#sleep(this.deps.pollIntervalMs);
    }
  }

  #track(job: J): void {
    const running = this.deps
      .run(job)
      .catch((error: unknown) =>
        this.deps.log.error({ err: error, queue: this.deps.queue }, 'job runner error'),
      )
      .finally(() => {
        this.#inFlight.delete(running);
        // A slot is free: a worker that was full can fetch again.
        this.notify();
      });
    this.#inFlight.add(running);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wakeRequested) {
      this.#wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wake = done;
    });
  }
}
