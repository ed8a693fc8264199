/**
 * The fake ePMS of the cycles suite (`pathways fake-epms`, src/feed/fake-epms) as a child process,
 * and the feed's backlog: waiting for it to drain, and what the deliveries cost meanwhile.
 */

import type { SuiteReport } from '../report/suite-report.js';
import { type Server, startServer } from './processes.js';
import { MeasuredWindow } from './window.js';

/** Any route of the server: the probe is used for its counters, not for handler times. */
const ROUTE = '/fhir/R4/$process-message';

/** The fake ePMS as its own process (`pathways fake-epms`), trusting the feed key Pathways publishes. */
export async function startFakeEpms(port: number, pathwaysUrl: string): Promise<Server> {
  return startServer({
    args: ['src/cli.ts', 'fake-epms', '--port', String(port), '--key-url', `${pathwaysUrl}/pki/feed.pem`],
    env: {},
    port,
    readyPath: '/_received',
  });
}

/** Waits until the feed backlog is empty (or `timeoutS`); returns the seconds it took, or undefined. */
export async function drain(server: Server, timeoutS = 120): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutS * 1000) {
    const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    const backlog = Number(/^pathways_feed_backlog (\S+)/m.exec(text)?.[1] ?? 'NaN');
    if (backlog === 0) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return undefined;
}

/**
 * Waits for the feed backlog to drain, measuring what the deliveries cost meanwhile (no requests
 * are being made): CPU, and PostgreSQL's commits and row writes per delivery.
 */
export async function measuredDrain(
  report: SuiteReport,
  server: Server,
  epms: Server,
  label: string,
): Promise<void> {
  const window = new MeasuredWindow(server, ROUTE, 'POST', {
    status: '200',
    extraPids: { 'fake ePMS': epms.pid },
    settleMs: 1100,
  });
  await window.begin();
  const seconds = await drain(server);
  await window.end();
  const { cpu: share, server: view, pg } = window.figures;
  if (seconds === undefined) {
    report.notes.push(`${label}: the feed backlog did not drain within 120 s.`);
    return;
  }
  const deliveries = view.counters?.['pathways_outbox_delivered_total'] ?? 0;
  if (deliveries === 0) return;
  const feed = view.counters?.['pathways_feed_delivered_total'] ?? 0;
  const fake = share.extra?.['fake ePMS'] ?? 0;
  const postgres = share.pgBackends + share.pgShared;
  const cpuS = (share.server + postgres + fake) * seconds;
  const per = (n: number) => (n / deliveries).toFixed(1);
  report.notes.push(
    `${label}, the backlog drained (no requests meanwhile): ${deliveries} outbox deliveries (${feed} of them to the ePMS) in ` +
      `${seconds.toFixed(1)} s, ${Math.round(deliveries / Math.max(seconds, 1e-9))}/s, using ${share.server.toFixed(2)} cores of server, ` +
      `${postgres.toFixed(2)} of PostgreSQL and ${fake.toFixed(2)} of the fake: ` +
      `${Math.round((cpuS / deliveries) * 1e6).toLocaleString('en-GB')} µs of CPU per delivery; PostgreSQL committed ` +
      `${per(pg.commits)} transactions and wrote ${per(pg.rowsWritten)} rows per delivery (` +
      pg.tables
        .slice(0, 6)
        .map((t) => `${t.table} ${per(t.inserted + t.updated + t.deleted)}`)
        .join(', ') +
      ').',
  );
}
