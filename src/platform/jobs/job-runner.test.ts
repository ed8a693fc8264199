import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { sleep, waitFor } from '../../../test/support/platform/wait.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry, type Registry } from '../metrics/metrics.js';
import { PermanentJobError } from './job.js';
import { JobRunner } from './job-runner.js';

const log = createLogger({ level: 'silent' });

describe.each(databaseKinds)('job runner on %s', (kind) => {
  let t: TestDatabase;
  let runner: JobRunner;
  let metrics: Registry;
  let queueNumber = 0;
  const nextQueue = () => `test-queue-${++queueNumber}`;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.dispose());

  async function startRunner(): Promise<JobRunner> {
    metrics = createMetricsRegistry({ defaults: false });
    runner = new JobRunner({ db: t.db, log, metrics, pollIntervalMs: 20, cron: false });
    await runner.start();
    return runner;
  }
  afterEach(() => runner?.stop(1000));

  async function jobState(queue: string, id: string): Promise<string | undefined> {
    const result = await t.db.query<{ state: string }>(
      'SELECT state FROM pgboss.job WHERE name = $1 AND id = $2',
      [queue, id],
    );
    return result.rows[0]?.state;
  }

  it('runs a sent job once and completes it', async () => {
    await startRunner();
    const queue = nextQueue();
    const seen: unknown[] = [];
    await runner.createQueue(queue);
    runner.work<{ n: number }>(queue, async (job) => {
      seen.push(job.data);
    });
    const id = await runner.send(queue, { n: 1 });
    await waitFor(async () => (await jobState(queue, id)) === 'completed', 'completion');
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('sends inside a transaction: nothing if it rolls back, the job if it commits', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue);
    await expect(
      t.db.transaction(async (tx) => {
        await runner.send(queue, { n: 'rolled back' }, { tx });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const id = await t.db.transaction((tx) => runner.send(queue, { n: 'committed' }, { tx }));
    const rows = await t.db.query<{ data: { n: string } }>('SELECT data FROM pgboss.job WHERE name = $1', [
      queue,
    ]);
    expect(rows.rows.map((row) => row.data.n)).toEqual(['committed']);
    expect(await jobState(queue, id)).toBe('created');
  });

  it('retries a failing job until it succeeds', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue, { retry: { baseDelayS: 0.05, maxDelayS: 0.1 } });
    const retryCounts: number[] = [];
    runner.work(queue, async (job) => {
      retryCounts.push(job.retryCount);
      if (retryCounts.length < 3) throw new Error(`failure ${retryCounts.length}`);
    });
    const id = await runner.send(queue, {});
    await waitFor(async () => (await jobState(queue, id)) === 'completed', 'completion after retries');
    expect(retryCounts).toEqual([0, 1, 2]);
    const text = await metrics.getSingleMetricAsString('pathways_jobs_retried_total');
    expect(text).toContain(`pathways_jobs_retried_total{queue="${queue}"} 2`);
  });

  it('schedules a retry by our policy, not by pg-boss own back-off', async () => {
    await startRunner();
    const queue = nextQueue();
    // Ours: between 15 and 30 s. pg-boss's own, from the same 30 s base: between 30 and 60 s.
    await runner.createQueue(queue, { retry: { baseDelayS: 30, maxDelayS: 30 } });
    runner.work(queue, async () => {
      throw new Error('down');
    });
    const id = await runner.send(queue, {});
    await waitFor(async () => (await jobState(queue, id)) === 'retry', 'the retry to be scheduled');
    const due = await t.db.query<{ in_s: number }>(
      'SELECT EXTRACT(EPOCH FROM start_after - now())::float8 AS in_s FROM pgboss.job WHERE name = $1 AND id = $2',
      [queue, id],
    );
    const inS = Number(due.rows[0]?.in_s);
    expect(inS).toBeGreaterThan(10); // 15 s at least, less however long this machine took to look
    expect(inS).toBeLessThanOrEqual(30);
  });

  it('fails a job for good when retries run out, and copies it to the dead-letter queue', async () => {
    await startRunner();
    const queue = nextQueue();
    const dead = `${queue}-dead`;
    await runner.createQueue(queue, {
      retry: { limit: 1, baseDelayS: 0.02, maxDelayS: 0.02 },
      deadLetter: dead,
    });
    let calls = 0;
    runner.work(queue, async () => {
      calls++;
      throw new Error('always');
    });
    const id = await runner.send(queue, { n: 7 });
    await waitFor(async () => (await jobState(queue, id)) === 'failed', 'failure');
    expect(calls).toBe(2);
    const copies = await t.db.query<{ data: { n: number } }>('SELECT data FROM pgboss.job WHERE name = $1', [
      dead,
    ]);
    expect(copies.rows.map((row) => row.data)).toEqual([{ n: 7 }]);
  });

  it('fails a job at once on a PermanentJobError', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue, { retry: { baseDelayS: 0.02, maxDelayS: 0.02 } });
    let calls = 0;
    runner.work(queue, async () => {
      calls++;
      throw new PermanentJobError('rejected');
    });
    const id = await runner.send(queue, {});
    await waitFor(async () => (await jobState(queue, id)) === 'failed', 'failure');
    await sleep(100);
    expect(calls).toBe(1);
  });

  it('lets a handler complete its job inside its own transaction', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue);
    await t.db.exec('CREATE TABLE IF NOT EXISTS job_effect (job_id uuid PRIMARY KEY)');
    runner.work(queue, async (job) => {
      await t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO job_effect (job_id) VALUES ($1)', [job.id]);
        await job.completeIn(tx, { done: true });
      });
    });
    const id = await runner.send(queue, {});
    await waitFor(async () => (await jobState(queue, id)) === 'completed', 'completion');
    const effect = await t.db.query('SELECT 1 FROM job_effect WHERE job_id = $1', [id]);
    expect(effect.rowCount).toBe(1);
  });

  it('stops gracefully: waits for a job in flight within the grace, not beyond it', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue);
    let started = 0;
    let finished = 0;
    runner.work(
      queue,
      async (job) => {
        started++;
        await sleep((job.data as { ms: number }).ms);
        finished++;
      },
      { concurrency: 2 },
    );
    await runner.send(queue, { ms: 300 });
    await waitFor(() => started === 1, 'the first job to start');
    const before = Date.now();
    expect(await runner.stopWorking(queue, 5000)).toBe(true);
    expect(finished).toBe(1);
    expect(Date.now() - before).toBeLessThan(3000);

    runner.work(queue, async () => {
      started++;
      await sleep(2000);
    });
    await runner.send(queue, {});
    await waitFor(() => started === 2, 'the second job to start');
    const cutShort = Date.now();
    expect(await runner.stopWorking(queue, 100)).toBe(false);
    expect(Date.now() - cutShort).toBeLessThan(1500);
  });

  it('runs a job again when its worker died (pg-boss expiry, through our executor)', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue, { expireInS: 1 });
    let calls = 0;
    let releaseHungWorker: () => void = () => {};
    runner.work(
      queue,
      async () => {
        calls++;
        // The first run never finishes, as if its process had been killed.
        if (calls === 1) {
          await new Promise<void>((resolve) => {
            releaseHungWorker = resolve;
          });
        }
      },
      { concurrency: 2 },
    );
    const id = await runner.send(queue, {});
    await waitFor(() => calls === 1, 'the first run');
    await sleep(1100);
    await runner.maintain();
    expect(await jobState(queue, id)).toBe('retry');
    await waitFor(async () => (await jobState(queue, id)) === 'completed', 'the second run', 15_000);
    expect(calls).toBe(2);
    releaseHungWorker();
  });

  it('reports queue depth and the oldest waiting job on scrape', async () => {
    await startRunner();
    const queue = nextQueue();
    await runner.createQueue(queue);
    await runner.send(queue, { n: 1 });
    await runner.send(queue, { n: 2 });
    await sleep(50);
    const depth = await metrics.getSingleMetricAsString('pathways_job_queue_depth');
    expect(depth).toContain(`pathways_job_queue_depth{queue="${queue}"} 2`);
    const age = await metrics.getSingleMetricAsString('pathways_job_queue_oldest_age_seconds');
    const value = Number(age.match(new RegExp(`queue="${queue}"} ([0-9.e-]+)`))?.[1]);
    expect(value).toBeGreaterThan(0.03);
    expect(value).toBeLessThan(30);
    const stats = await runner.stats();
    expect(stats.find((row) => row.queue === queue)).toMatchObject({ waiting: 2, active: 0 });
  });
});
