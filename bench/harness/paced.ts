/**
 * An open-loop load at a fixed, even rate: one request every 1/rate s whatever the answers, over
 * a keep-alive pool of `connections` sockets. Latency runs from the moment the request was due,
 * not from when a socket was free, so a server that falls behind shows it (no coordinated
 * omission). The counterpart of autocannon's overallRate, whose connections each send their
 * share in a burst at the start of every second.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Latencies, type LoadResult, type Probe } from './load.js';

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PacedSpec {
  url: string;
  rate: number;
  connections: number;
  durationS: number;
  warmupS: number;
  request: () => PacedRequest;
}

function send(agent: http.Agent, base: URL, spec: PacedRequest): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: spec.method,
        path: spec.path,
        headers:
          spec.body === undefined
            ? spec.headers
            : { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) },
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(0));
    request.end(spec.body);
  });
}

async function phase(
  agent: http.Agent,
  spec: PacedSpec,
  seconds: number,
  record?: (status: number, ms: number) => void,
): Promise<void> {
  const base = new URL(spec.url);
  const interval = 1000 / spec.rate;
  const total = Math.round(seconds * spec.rate);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      send(agent, base, spec.request()).then((status) => record?.(status, performance.now() - due)),
    );
  }
  await Promise.all(inFlight);
}

export async function measurePaced(spec: PacedSpec, probe?: Probe): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  try {
    if (spec.warmupS > 0) await phase(agent, spec, spec.warmupS);
    await probe?.begin();
    const latencies = new Latencies();
    const statuses: Record<string, number> = {};
    let ok = 0;
    let errors = 0;
    const started = performance.now();
    await phase(agent, spec, spec.durationS, (status, ms) => {
      latencies.add(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 0) errors++;
      else if (status >= 200 && status < 300) ok++;
    });
    const durationS = (performance.now() - started) / 1000;
    await probe?.end();
    return {
      rps: ok / durationS,
      responses: latencies.count,
      ...latencies.summary(),
      errors,
      non2xx: latencies.count - ok - errors,
      statuses,
      durationS,
    };
  } finally {
    agent.destroy();
  }
}
