/**
 * One load measurement with autocannon: a warm-up (JIT, connection pools, caches) whose figures
 * are thrown away, then the measured run. Percentiles come from every response's own latency,
 * because autocannon's summary has no P95.
 */
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Each request is built anew by its setupRequest, so every request can name a different resource. */
  requests: autocannon.Request[];
  /**
   * Requests per second over all connections (autocannon's overallRate): each connection may send
   * its share per second, starting at each second's tick, so arrivals come in bursts, not evenly.
   */
  overallRate?: number;
}

/** Per response of the measured run: status, latency, and which of `requests` it answered. */
export type ResponseListener = (status: number, ms: number, requestIndex: number) => void;

export interface LoadResult {
  /** 2xx responses per second over the measured run. */
  rps: number;
  responses: number;
  p50: number;
  p95: number;
  p99: number;
  /** Socket errors and timeouts. */
  errors: number;
  non2xx: number;
  /** e.g. { "201": 12000, "503": 3 } */
  statuses: Record<string, number>;
  durationS: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** A growable list of latencies in ms, sorted once at the end. */
export class Latencies {
  private values = new Float64Array(1 << 16);
  private length = 0;
  add(ms: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = ms;
  }
  get count(): number {
    return this.length;
  }
  summary(): { p50: number; p95: number; p99: number } {
    const sorted = this.values.slice(0, this.length).sort();
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
  }
}

interface TrackedClient {
  requestIterator: { currentRequestIndex: number };
}

function run(spec: LoadSpec, durationS: number, onResponse?: ResponseListener) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: durationS,
        requests: spec.requests,
        timeout: 10,
        ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (onResponse) {
      // The tracker emits (client, statusCode, bytes, ms); @types/autocannon omits the client. The
      // client moves to its next request only after this event, so its index is the answered one's.
      (instance as unknown as NodeJS.EventEmitter).on(
        'response',
        (client: TrackedClient, status: number, _bytes: number, ms: number) =>
          onResponse(status, ms, client.requestIterator.currentRequestIndex),
      );
    }
  });
}

/** Called right around the measured run (not the warm-up): CPU accounting, /metrics snapshots. */
export interface Probe {
  begin(): Promise<void>;
  end(): Promise<void>;
}

export async function measure(
  spec: LoadSpec,
  probe?: Probe,
  onResponse?: ResponseListener,
): Promise<LoadResult> {
  if (spec.warmupS > 0) await run(spec, spec.warmupS);
  await probe?.begin();
  const latencies = new Latencies();
  const statuses: Record<string, number> = {};
  let ok = 0;
  const started = performance.now();
  const result = await run(spec, spec.durationS, (status, ms, index) => {
    latencies.add(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) ok++;
    onResponse?.(status, ms, index);
  });
  const durationS = (performance.now() - started) / 1000;
  await probe?.end();
  return {
    rps: ok / durationS,
    responses: latencies.count,
    ...latencies.summary(),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses,
    durationS,
  };
}
