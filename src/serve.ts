/**
 * `pathways serve`: the service on its ports until SIGTERM/SIGINT drains it. Its own module so that
 * a harness (the bench) can start the same server with build overrides (`BuildOptions`).
 */
import type { BuildOptions } from './app.js';
import { type Config, ConfigError } from './platform/config/config.js';
import { createLogger } from './platform/logging/logger.js';

export async function serve(
  cfg: Config,
  fail: (message: string) => never,
  options: BuildOptions = {},
): Promise<void> {
  const log = createLogger({ level: cfg.logLevel });
  const cluster = (await import('node:cluster')).default;
  if (cluster.isPrimary) {
    if (cfg.workersNotice) log.warn(cfg.workersNotice);
    if (cfg.workers > 1) {
      const { runPrimary } = await import('./cluster.js');
      return runPrimary({
        config: cfg,
        log,
        prepare: async () => {
          await migrateDatabase(cfg);
        },
        fail,
      });
    }
  }
  // Loaded here, not above: a WORKERS=N primary never builds the service.
  const { buildPathways } = await import('./app.js');
  const pathways = await buildPathways(cfg, log, process.env, options).catch((error: unknown) => {
    // Capabilities validate their own settings while they are built.
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    // A terminal's Ctrl-C reaches a cluster worker twice: itself, and the primary's SIGTERM.
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining requests and jobs');
    // The contract promises exit within 10 s: whatever has not drained by the grace is abandoned
    // (uncommitted work rolls back; nothing acknowledged is lost).
    setTimeout(() => {
      log.warn('drain exceeded the grace period; exiting');
      process.exit(0);
    }, cfg.shutdownGraceS * 1000).unref();
    pathways.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (cluster.isWorker) {
    // The primary serves METRICS_PORT with every worker's metrics summed (src/cluster.ts).
    const { shareWorkerMetrics } = await import('./cluster.js');
    shareWorkerMetrics(pathways.metrics);
  }
  // Metrics first: a metrics port that cannot be bound stops the start before traffic arrives.
  if (cfg.metricsPort !== 0 && cluster.isPrimary) {
    const metricsAddress = await pathways.metricsApp
      .listen({ port: cfg.metricsPort, host: cfg.metricsHost })
      .catch(async (error: Error) => {
        await pathways.stop().catch(() => undefined);
        return fail(`METRICS_PORT: cannot listen on ${cfg.metricsHost}:${cfg.metricsPort}: ${error.message}`);
      });
    log.info({ listen: metricsAddress }, 'metrics listening (GET /metrics)');
  }
  const address = await pathways.app.listen({ port: cfg.port, host: cfg.host });
  log.info({ listen: address, database: pathways.db.kind, worker: cluster.worker?.id }, 'pathways listening');
  await pathways.listen().catch(async (error: Error) => {
    await pathways.stop().catch(() => undefined);
    return fail(`MLLP_PORT: cannot listen on ${cfg.mllpPort}: ${error.message}`);
  });
  // One banner per service, not one per worker.
  if (cfg.demo && (cluster.worker?.id ?? 1) === 1) {
    const { printDemoBanner } = await import('./demo/banner.js');
    printDemoBanner(cfg, address, pathways.demoUsers, pathways.demoLines);
  }
}

/** Applies the migrations (and the compartment backfill they may need); returns what was applied. */
export async function migrateDatabase(cfg: Config): Promise<string[]> {
  const { openDatabase } = await import('./platform/database/database.js');
  const { migrate } = await import('./platform/database/migrate.js');
  const { backfillPatientCompartment } = await import('./platform/fhir/search/compartment-backfill.js');
  const db = await openDatabase({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, poolSize: 2 });
  try {
    const applied = await migrate(db);
    await backfillPatientCompartment(db);
    return applied;
  } finally {
    await db.close();
  }
}
