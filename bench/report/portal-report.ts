/**
 * The portal suite's own tables: what one read writes (audit records, commits, rows) in the
 * measured runs, and its round trips to PostgreSQL as the counting proxy saw them.
 */
import type { RoundTrips } from '../suites/portal-round-trips.js';
import type { PortalScenario } from '../suites/portal-scenarios.js';
import type { SuiteReport } from './suite-report.js';

/** What one request cost in the measured runs, and its round trips counted at the wire. */
export function costTables(
  report: SuiteReport,
  scenarios: PortalScenario[],
  trips: RoundTrips | undefined,
  connections: number,
): void {
  report.tables.push({
    title:
      "One request's writes and round trips: audit records from the server's /metrics and PostgreSQL's counters over the measured " +
      `windows; round trips counted at the wire by a proxy (bench/harness/pg-wire.ts) in a separate server on the same data, one request at a time ` +
      `and at ${connections} connections for 5 s` +
      (trips
        ? `, less the background (${trips.backgroundPerS.toFixed(1)} round trips/s while idle: pg-boss, the outbox dispatcher):`
        : ' (not counted: the proxy needs PostgreSQL over TCP):'),
    head: [
      'run',
      'audit records/request',
      'audit records/flush',
      'commits/request',
      'rows written/request',
      `round trips/request (${connections} connections)`,
      'round trips/request (one at a time)',
    ],
    rows: report.runs.map((run, i) => {
      const requests = Math.max(run.load.statuses['200'] ?? 0, 1);
      const counted = trips?.scenarios[i];
      return [
        run.name,
        run.server ? (run.server.auditRecords / requests).toFixed(2) : '-',
        run.server?.auditBatch ? run.server.auditBatch.toFixed(1) : '-',
        run.pg ? (run.pg.commits / requests).toFixed(2) : '-',
        run.pg ? (run.pg.rowsWritten / requests).toFixed(2) : '-',
        counted ? counted.loaded.toFixed(2) : '-',
        counted ? counted.single.toFixed(2) : '-',
      ];
    }),
  });
  if (!trips) return;
  report.tables.push({
    title:
      'The round trips of one request at a time, statement by statement (an audit flush of one record is six of them):',
    head: ['run', 'statement', 'per request'],
    rows: trips.scenarios.flatMap((counted, i) =>
      counted.statements.map((s) => [scenarios[i]!.name, s.statement, s.perRequest.toFixed(2)]),
    ),
  });
}
