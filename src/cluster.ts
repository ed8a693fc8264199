/**
 * `WORKERS=N`: the HTTP server in N processes (node:cluster) on one PostgreSQL database. The
 * primary migrates once, forks the workers, restarts one that dies (with back-off), serves the
 * workers' metrics aggregated on METRICS_PORT, and on SIGTERM drains them all and exits 0.
 *
 * Each worker is the ordinary single-process service: the listening socket is shared by the
 * cluster, scheduled jobs (pg-boss) and outbox deliveries claim their work in the database, so
 * several workers are as safe as several replicas.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './platform/config/config.js';
import { createMetricsServer } from './platform/http/metrics.js';
import type { Logger } from './platform/logging/logger.js';
import type { Registry } from './platform/metrics/metrics.js';

/** A worker that lived this long before dying was healthy: its death starts the back-off afresh. */
const HEALTHY_RUN_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 15_000;
/** The CLI's exit code for a bad setting (src/cli.ts `fail`). */
const CONFIGURATION_ERROR_EXIT = 2;

/** The delay before the next restart after `consecutiveDeaths` early deaths in a row. */
export function restartDelayMs(consecutiveDeaths: number): number {
  if (consecutiveDeaths <= 0) return 0;
  return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (consecutiveDeaths - 1));
}

/** In a worker: answer the primary's requests for this process's metrics. */
export function shareWorkerMetrics(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs the IPC listener that answers the primary.
  new AggregatorRegistry();
}

export interface PrimaryOptions {
  config: Config;
  log: Logger;
  /** Runs once before forking (migrations), so the workers do not race to apply them. */
  prepare(): Promise<void>;
  /** Ends the primary with a one-line message (e.g. the metrics port cannot be bound). */
  fail(message: string): never;
}

export async function runPrimary({ config, log, prepare, fail }: PrimaryOptions): Promise<void> {
  await prepare();
  const aggregator = new AggregatorRegistry();
  const metricsApp = createMetricsServer(
    { contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() },
    log,
  );
  if (config.metricsPort !== 0) {
    const address = await metricsApp
      .listen({ port: config.metricsPort, host: config.metricsHost })
      .catch((error: Error) =>
        fail(`METRICS_PORT: cannot listen on ${config.metricsHost}:${config.metricsPort}: ${error.message}`),
      );
    log.info({ listen: address }, 'metrics of all workers listening (GET /metrics)');
  }

  let stopping = false;
  let exitCode = 0;
  let consecutiveDeaths = 0;
  const startedAt = new Map<Worker, number>();
  const pendingRestarts = new Set<NodeJS.Timeout>();

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    log.info({ worker: worker.id, pid: worker.process.pid }, 'worker started');
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
    startedAt.delete(worker);
    if (stopping) {
      if (startedAt.size === 0) process.exit(exitCode);
      return;
    }
    if (code === CONFIGURATION_ERROR_EXIT) {
      // A worker refused the configuration: every replacement would too.
      log.error({ worker: worker.id }, 'a worker stopped on a configuration error; stopping the service');
      shutdown('configuration error', CONFIGURATION_ERROR_EXIT);
      return;
    }
    consecutiveDeaths = lived >= HEALTHY_RUN_MS ? 1 : consecutiveDeaths + 1;
    const delayMs = restartDelayMs(consecutiveDeaths);
    log.error(
      { worker: worker.id, pid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delayMs },
      'worker died; starting a replacement',
    );
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) fork();
    }, delayMs);
    pendingRestarts.add(timer);
  });

  function shutdown(signal: string, code = 0): void {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log.info({ signal, workers: startedAt.size }, 'shutting down: draining every worker');
    for (const timer of pendingRestarts) clearTimeout(timer);
    // Each worker drains within the grace and exits; one that does not is killed just before the
    // 10 s the contract allows, and the primary still exits 0 (uncommitted work rolls back).
    setTimeout(
      () => {
        log.warn({ workers: startedAt.size }, 'workers exceeded the grace period; killing them');
        for (const worker of startedAt.keys()) worker.process.kill('SIGKILL');
        process.exit(exitCode);
      },
      config.shutdownGraceS * 1000 + 500,
    ).unref();
    void metricsApp.close();
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    if (startedAt.size === 0) process.exit(exitCode);
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  for (let index = 0; index < config.workers; index++) fork();
  log.info({ workers: config.workers }, 'pathways primary running');
}
