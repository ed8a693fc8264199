/**
 * The export job on the platform's pg-boss runner. A job runs one export for EXPORT_SLICE_S, then
 * completes and queues the rest in one transaction, so a restart (or a crash: pg-boss expires
 * the job of a dead worker and runs it again) loses at most one slice's unsaved batch, which the
 * next run writes again from the checkpoint. A cron job removes exports past their retention.
 */
import type { Database } from '../../platform/database/database.js';
import type { Job } from '../../platform/jobs/job.js';
import type { JobRunner } from '../../platform/jobs/job-runner.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { AnalyticsSettings } from '../settings.js';
import { type ExportRunner, removeExportFiles } from './export-run.js';
import { deleteExport, expiredExports, failExport } from './export-store.js';

export const EXPORT_QUEUE = 'bulk-export';
export const EXPORT_CLEANUP_QUEUE = 'bulk-export-cleanup';
const RETRY_LIMIT = 5;

export interface ExportJobDeps {
  db: Database;
  jobs: JobRunner;
  runner: ExportRunner;
  settings: AnalyticsSettings;
  log: Logger;
}

export async function registerExportJobs(deps: ExportJobDeps): Promise<void> {
  const { db, jobs, runner, settings, log } = deps;
  await jobs.createQueue(EXPORT_QUEUE, {
    retry: { limit: RETRY_LIMIT, baseDelayS: 5, maxDelayS: 120 },
    // A slice past this is taken to be lost with its worker and run again from the checkpoint.
    expireInS: settings.sliceS * 3 + 60,
  });
  jobs.work<{ exportId: string }>(
    EXPORT_QUEUE,
    async (job) => {
      const { exportId } = job.data;
      try {
        const result = await runner.runSlice(exportId, { ms: settings.sliceS * 1000 });
        if (result === 'more') await continueLater(db, jobs, job);
      } catch (error) {
        if (job.retryCount + 1 > RETRY_LIMIT) {
          log.error({ err: error, exportId }, 'bulk export failed for good');
          await failExport(db, exportId, 'the export could not be written', settings.retentionS);
          return;
        }
        throw error;
      }
    },
    { concurrency: 2 },
  );
  await jobs.createQueue(EXPORT_CLEANUP_QUEUE, { retry: { limit: 3, baseDelayS: 30, maxDelayS: 300 } });
  jobs.work(EXPORT_CLEANUP_QUEUE, async () => {
    const removed = await removeExpiredExports(db, settings.exportDir);
    if (removed > 0) log.info({ removed }, 'expired bulk exports removed');
  });
  await jobs.schedule(EXPORT_CLEANUP_QUEUE, settings.cleanupCron);
}

async function continueLater(db: Database, jobs: JobRunner, job: Job<{ exportId: string }>): Promise<void> {
  await db.transaction(async (tx) => {
    await job.completeIn(tx);
    await jobs.send(EXPORT_QUEUE, { exportId: job.data.exportId }, { tx });
  });
}

/** Files first, then the row: a crash in between leaves the row, and the next run removes it. */
export async function removeExpiredExports(db: Database, exportDir: string): Promise<number> {
  let removed = 0;
  for (const id of await expiredExports(db)) {
    await removeExportFiles(exportDir, id);
    await deleteExport(db, id);
    removed += 1;
  }
  return removed;
}
