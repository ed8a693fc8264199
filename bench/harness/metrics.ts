/**
 * The server's own view of a measured run, from two scrapes of its Prometheus `/metrics`: time
 * inside the handler (fastify's elapsed time, so without event-loop queueing), audit group-commit
 * batches, and garbage collection.
 */

type Sample = { name: string; labels: Record<string, string>; value: number };

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

export interface ServerView {
  /** Mean and estimated P95 of the handler time (ms) of the scenario's 2xx responses. */
  handlerMeanMs: number;
  handlerP95Ms: number;
  auditRecords: number;
  /** Mean audit records per group-commit transaction, and mean transaction time. */
  auditBatch: number;
  auditFlushMs: number;
  /** Share of wall time the server spent in garbage collection. */
  gcShare: number;
  /** Deltas of the counters in COUNTERS that moved, summed over their labels. */
  counters?: Record<string, number>;
  /** The values of the gauges in GAUGES at the end of the window. */
  gauges?: Record<string, number>;
  /**
   * Event-loop delay over the window, ms (prom-client resets its histogram at every scrape, so
   * the end scrape covers exactly the window): how long the loop was kept from running callbacks.
   */
  eventLoopP99Ms?: number;
  eventLoopMaxMs?: number;
}

export class MetricsProbe {
  private before: Sample[] = [];
  private startedAt = 0;
  private readonly routes: string[];
  /**
   * `route`: the route pattern(s) whose handler time to report (several: summed over them);
   * `status`: of the responses counted (default 201 for POST, 200 otherwise).
   */
  constructor(
    private readonly url: string,
    route: string | string[],
    private readonly method: string,
    private readonly status = method === 'POST' ? '201' : '200',
  ) {
    this.routes = [route].flat();
  }

  private async scrape(): Promise<Sample[]> {
    // A server that stopped answering must fail the scenario, not hang the run.
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(15_000) });
    return parse(await response.text());
  }

  async begin(): Promise<void> {
    this.before = await this.scrape();
    this.startedAt = performance.now();
  }

  async end(): Promise<ServerView> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const after = await this.scrape();
    const delta = (name: string, where: Record<string, string> = {}) =>
      total(after, name, where) - total(this.before, name, where);
    const http = 'pathways_http_request_duration_seconds';
    const oks = this.routes.map((route) => ({ route, method: this.method, status: this.status }));
    const sum = (name: string) => oks.reduce((acc, ok) => acc + delta(name, ok), 0);
    const count = sum(`${http}_count`);
    const byLe = new Map<number, number>();
    for (const s of after) {
      if (s.name !== `${http}_bucket`) continue;
      if (!oks.some((ok) => Object.entries(ok).every(([k, v]) => s.labels[k] === v))) continue;
      const le = Number(s.labels['le']);
      byLe.set(le, (byLe.get(le) ?? 0) + s.value - total(this.before, s.name, s.labels));
    }
    const buckets = [...byLe].map(([le, n]) => ({ le, count: n })).sort((a, b) => a.le - b.le);
    const flushes = delta('pathways_audit_flushes_total');
    const records = delta('pathways_audit_records_total');
    return {
      handlerMeanMs: count > 0 ? (sum(`${http}_sum`) / count) * 1000 : Number.NaN,
      handlerP95Ms: quantile(buckets, count, 0.95) * 1000,
      auditRecords: records,
      auditBatch: flushes > 0 ? records / flushes : 0,
      auditFlushMs: flushes > 0 ? (delta('pathways_audit_flush_seconds_sum') / flushes) * 1000 : 0,
      gcShare: delta('pathways_nodejs_gc_duration_seconds_sum') / seconds,
      counters: Object.fromEntries(
        COUNTERS.map((name) => [name, delta(name)]).filter(([, value]) => value !== 0),
      ),
      eventLoopP99Ms: total(after, 'pathways_nodejs_eventloop_lag_p99_seconds') * 1000,
      eventLoopMaxMs: total(after, 'pathways_nodejs_eventloop_lag_max_seconds') * 1000,
      gauges: Object.fromEntries(
        GAUGES.filter((name) => after.some((s) => s.name === name)).map((name) => [name, total(after, name)]),
      ),
    };
  }
}

/** Counters whose deltas the suites report when they moved (the feed's, the outbox's). */
const COUNTERS = [
  'pathways_feed_delivered_total',
  'pathways_feed_failed_attempts_total',
  'pathways_feed_dead_letter_total',
  'pathways_outbox_delivered_total',
  'pathways_outbox_failed_attempts_total',
];

/** Gauges the suites report as they were at the end of the window. */
const GAUGES = ['pathways_feed_backlog', 'pathways_feed_oldest_pending_age_seconds'];

/** Linear interpolation inside the cumulative bucket that holds the quantile, as Prometheus does. */
function quantile(buckets: { le: number; count: number }[], count: number, q: number): number {
  if (count === 0) return Number.NaN;
  const rank = q * count;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return lowerLe;
      const within = bucket.count - lowerCount;
      return lowerLe + (bucket.le - lowerLe) * (within > 0 ? (rank - lowerCount) / within : 0);
    }
    lowerLe = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerLe;
}
