/**
 * The database side of one create, read and audit flush, statement by statement: the service's
 * own functions (createResource, the audit store) run on one connection, one at a time, and each
 * statement is timed on the wall clock and by its PostgreSQL backend's CPU
 * (/proc/<pid>/schedstat, in ns). Wall minus backend CPU is the round trip: network, pg client,
 * waiting for the WAL flush.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { buildAuditEvent, toChainFields } from '../../src/platform/audit/audit-event.js';
import { deriveAuditKeys } from '../../src/platform/audit/audit-keys.js';
import { EMPTY_HEAD, headAfter, keyedLink, linkRecords } from '../../src/platform/audit/record-hash.js';
import { appendRecords } from '../../src/platform/audit/store.js';
import type { Queryable, QueryResult } from '../../src/platform/database/database.js';
import { createResource } from '../../src/platform/fhir/store/repository.js';
import { nhsNumber, patient } from '../data/data.js';

export interface StatementCost {
  path: string;
  statement: string;
  /** Mean per execution, µs. */
  wallUs: number;
  pgCpuUs: number;
}

function label(sql: string): string {
  if (sql.includes('search_index_replace')) return 'SELECT search_index_replace(…) (this Patient: 23 rows)';
  if (sql.includes('INSERT INTO fhir_resource')) return 'INSERT fhir_resource + fhir_resource_history';
  if (sql.includes('FROM fhir_resource')) return 'SELECT … FROM fhir_resource (by primary key)';
  if (sql.includes('INSERT INTO audit_event')) return 'INSERT audit_chain head + audit_event (one statement)';
  return sql.trim().split(/\s+/).slice(0, 3).join(' ');
}

class Recorder {
  private readonly totals = new Map<string, { path: string; n: number; wall: number; cpu: number }>();
  constructor(
    private readonly client: pg.Client,
    private readonly backendPid: number,
  ) {}

  private cpuNs(): number {
    return Number(readFileSync(`/proc/${this.backendPid}/schedstat`, 'utf8').split(' ')[0]);
  }

  async run<T>(path: string, sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const wall0 = performance.now();
    const cpu0 = this.cpuNs();
    const result = await this.client.query(sql, params);
    const cpu = this.cpuNs() - cpu0;
    const wall = performance.now() - wall0;
    const key = `${path}\0${label(sql)}`;
    const total = this.totals.get(key) ?? { path, n: 0, wall: 0, cpu: 0 };
    total.n++;
    total.wall += wall * 1000;
    total.cpu += cpu / 1000;
    this.totals.set(key, total);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }

  queryable(path: string): Queryable {
    return { query: (sql, params) => this.run(path, sql, params) };
  }

  costs(): StatementCost[] {
    return [...this.totals].map(([key, t]) => ({
      path: t.path,
      statement: key.split('\0')[1]!,
      wallUs: t.wall / t.n,
      pgCpuUs: t.cpu / t.n,
    }));
  }
}

/** `creates` creates and reads, and audit flushes of `batch` records (as the trail writes them). */
export async function statementCosts(
  databaseUrl: string,
  creates = 300,
  batch = 20,
): Promise<StatementCost[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const recorder = new Recorder(client, pid);
    const ids: string[] = [];
    for (let n = 0; n < creates; n++) {
      const tx = recorder.queryable('create (one transaction)');
      await tx.query('BEGIN');
      const created = await createResource(tx, patient(n, nhsNumber(n, 600_000_000), 500));
      await tx.query('COMMIT');
      ids.push(created.id);
    }
    for (const id of ids) {
      await recorder
        .queryable('read by id')
        .query(
          'SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource WHERE resource_type = $1 AND id = $2',
          ['Patient', id],
        );
    }
    // The statement of AuditTrail.writeBatch (src/platform/audit/trail.ts), on a batch of `batch`.
    const chain = `bench.${randomUUID().slice(0, 8)}`;
    const link = keyedLink(deriveAuditKeys(Buffer.alloc(32, 1)).link, chain);
    let head = EMPTY_HEAD;
    for (let flush = 0; flush < Math.ceil(creates / batch); flush++) {
      const tx = recorder.queryable(`audit flush of ${batch} records`);
      const fields = ids.slice(flush * batch, (flush + 1) * batch).map((id) => {
        const input = {
          subtype: 'read' as const,
          outcome: '0' as const,
          agent: { reference: `Device/${randomUUID()}`, roles: ['admin'], org: 'A83008', ip: '127.0.0.1' },
          entity: { reference: `Patient/${id}` },
          patient: `Patient/${id}`,
          requestId: randomUUID(),
        };
        const event = buildAuditEvent(input, {
          id: randomUUID(),
          recorded: new Date().toISOString(),
          observer: 'pathways',
        });
        return toChainFields(event, input);
      });
      const records = linkRecords(head, fields, link);
      if (!(await appendRecords(tx, chain, head, records))) throw new Error('audit head moved');
      head = headAfter(head, records);
    }
    return recorder.costs();
  } finally {
    await client.end();
  }
}
