/** One Prometheus registry per process; each module registers its own instruments on it. */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

export function createMetricsRegistry(options: { defaults?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry, prefix: 'pathways_' });
  return registry;
}
