/** The analytics capability's settings (EXPORT_*), parsed at start: a bad value stops it with one line. */
import path from 'node:path';
import { type Env, integer, text } from '../platform/config/config.js';

export interface AnalyticsSettings {
  /** EXPORT_DIR: where export files are written (shared storage when replicas serve downloads). */
  exportDir: string;
  /** EXPORT_RETENTION_S: how long a finished export's files stay downloadable. */
  retentionS: number;
  /** EXPORT_BATCH_SIZE: resources read, written and checkpointed together. */
  batchSize: number;
  /** EXPORT_FILE_MAX_RESOURCES: a type's output is split into files of at most this many. */
  maxFileResources: number;
  /** EXPORT_SLICE_S: a job runs an export this long, then queues the rest (restarts lose little). */
  sliceS: number;
  /** EXPORT_CLEANUP_CRON: when expired exports are removed. */
  cleanupCron: string;
}

const DAY_S = 86_400;

export function readAnalyticsSettings(env: Env, dataDir: string): AnalyticsSettings {
  return {
    exportDir: path.resolve(text(env, 'EXPORT_DIR') ?? path.join(dataDir, 'exports')),
    retentionS: integer(env, 'EXPORT_RETENTION_S', DAY_S, 1, 30 * DAY_S),
    batchSize: integer(env, 'EXPORT_BATCH_SIZE', 1000, 1, 10_000),
    maxFileResources: integer(env, 'EXPORT_FILE_MAX_RESOURCES', 100_000, 1, 10_000_000),
    sliceS: integer(env, 'EXPORT_SLICE_S', 20, 1, 600),
    cleanupCron: text(env, 'EXPORT_CLEANUP_CRON') ?? '*/10 * * * *',
  };
}
