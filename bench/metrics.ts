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
}

export class MetricsProbe {
  private before: Sample[] = [];
  private startedAt = 0;
  constructor(
    private readonly url: string,
    private readonly route: string,
    private readonly method: string,
  ) {}

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
    const ok = (status: string) => ({ route: this.route, method: this.method, status });
    const status = this.method === 'POST' ? '201' : '200';
    const count = delta(`${http}_count`, ok(status));
    const buckets = after
      .filter(
        (s) => s.name === `${http}_bucket` && Object.entries(ok(status)).every(([k, v]) => s.labels[k] === v),
      )
      .map((s) => ({ le: Number(s.labels['le']), count: s.value - total(this.before, s.name, s.labels) }))
      .sort((a, b) => a.le - b.le);
    const flushes = delta('pathways_audit_flushes_total');
    const records = delta('pathways_audit_records_total');
    return {
      handlerMeanMs: count > 0 ? (delta(`${http}_sum`, ok(status)) / count) * 1000 : Number.NaN,
      handlerP95Ms: quantile(buckets, count, 0.95) * 1000,
      auditRecords: records,
      auditBatch: flushes > 0 ? records / flushes : 0,
      auditFlushMs: flushes > 0 ? (delta('pathways_audit_flush_seconds_sum') / flushes) * 1000 : 0,
      gcShare: delta('pathways_nodejs_gc_duration_seconds_sum') / seconds,
    };
  }
}

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
