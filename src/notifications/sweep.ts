/**
 * The safety net (HAZ-SILENT-NOTIFY): an unfinished notification that is due but has no job about
 * to run (lost to job retention, a crash between steps, an unforeseen race) gets a new one. Each
 * process runs it every `sweepIntervalMs`; rows are locked with SKIP LOCKED so replicas share it.
 */
import { randomUUID } from 'node:crypto';
import { DELIVER_QUEUE, type DeliverJobData, type PipelineDeps } from './pipeline.js';
import { findStalled, reassignJob } from './store.js';

export async function sweep(
  deps: Pick<PipelineDeps, 'db' | 'jobs' | 'now' | 'log'>,
  limit = 200,
): Promise<number> {
  if (!deps.jobs.running) return 0;
  const now = deps.now();
  const count = await deps.db.transaction(async (tx) => {
    const ids = await findStalled(tx, deps.jobs.schema, DELIVER_QUEUE, now, limit);
    const jobs = ids.map((notificationId) => ({
      queue: DELIVER_QUEUE,
      data: { notificationId } satisfies DeliverJobData,
      id: randomUUID(),
    }));
    for (const job of jobs) await reassignJob(tx, job.data.notificationId, job.id, now);
    await deps.jobs.sendMany(jobs, { tx });
    return jobs.length;
  });
  if (count > 0) {
    deps.log.info({ notifications: count }, 'due notifications without a job re-enqueued');
    deps.jobs.notify(DELIVER_QUEUE);
  }
  return count;
}
