/**
 * In-process instruments for the service's own domain functions on a one-connection database:
 * wall time and the PostgreSQL backend's CPU (/proc/<pid>/schedstat) per named phase, and the
 * same per statement, so that one prescription-order or cycle can be taken apart step by step.
 * Phases run one at a time and may nest (a step and the PKI check inside it); a statement counts
 * in every phase running it.
 */
import { readFileSync } from 'node:fs';
import type { Database, Queryable } from '../../src/platform/database/database.js';

export interface PhaseCost {
  phase: string;
  wallUs: number;
  pgCpuUs: number;
  /** Round trips, BEGIN and COMMIT included. */
  statements: number;
}

export interface StatementCost {
  statement: string;
  perUnit: number;
  wallUs: number;
  pgCpuUs: number;
}

export class Instruments {
  /** The phases running, outermost first. */
  private readonly stack: string[] = [];
  /** Prefix of statement labels (e.g. the cycle step running them). */
  scope: string | undefined;
  private readonly phases = new Map<string, { wall: number; cpu: number; statements: number }>();
  private readonly statements = new Map<string, { n: number; wall: number; cpu: number }>();
  private backendPid = -1;

  /**
   * `untimedPhase`: where a statement outside any phase goes; `transactionPhase`: the phase of a
   * transaction opened outside any phase.
   */
  constructor(
    private readonly db: Database,
    private readonly untimedPhase: string,
    private readonly transactionPhase: string,
  ) {}

  /** The backend's CPU so far, ms. */
  cpu(): number {
    return Number(readFileSync(`/proc/${this.backendPid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  }

  /** Reads the one connection's backend pid; call before measuring (and after, to check it). */
  async attach(): Promise<number> {
    const result = await this.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    this.backendPid = result.rows[0]!.pid;
    return this.backendPid;
  }

  reset(): void {
    this.phases.clear();
    this.statements.clear();
  }

  private addPhase(phase: string, wall: number, cpu: number, statements = 0) {
    const p = this.phases.get(phase) ?? { wall: 0, cpu: 0, statements: 0 };
    p.wall += wall;
    p.cpu += cpu;
    p.statements += statements;
    this.phases.set(phase, p);
  }

  private async statement<T>(sql: string, run: () => Promise<T>): Promise<T> {
    const wall0 = performance.now();
    const cpu0 = this.cpu();
    try {
      return await run();
    } finally {
      const wall = performance.now() - wall0;
      const cpu = this.cpu() - cpu0;
      const kind = this.scope ? `${this.scope}: ${label(sql)}` : label(sql);
      const s = this.statements.get(kind) ?? { n: 0, wall: 0, cpu: 0 };
      s.n++;
      s.wall += wall;
      s.cpu += cpu;
      this.statements.set(kind, s);
      // Inside phases they have their own time; only the count is added.
      if (this.stack.length === 0) this.addPhase(this.untimedPhase, wall, cpu, 1);
      for (const phase of this.stack) this.addPhase(phase, 0, 0, 1);
    }
  }

  /** Runs `fn` as `phase`: its wall time and the backend's CPU meanwhile. */
  async during<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    this.stack.push(phase);
    const wall0 = performance.now();
    const cpu0 = this.cpu();
    try {
      return await fn();
    } finally {
      this.addPhase(phase, performance.now() - wall0, this.cpu() - cpu0);
      this.stack.pop();
    }
  }

  /** `fn` as a phase (named after the scope too, when one is set). */
  wrap<A extends unknown[], R>(phase: string, fn: (...args: A) => Promise<R>) {
    return (...args: A): Promise<R> =>
      this.during(this.scope ? `${this.scope}: ${phase}` : phase, () => fn(...args));
  }

  /**
   * The database, every statement counted. A transaction outside any phase is the phase
   * `transactionPhase`; inside one, with a scope set, the nested phase `<scope>: transaction`.
   */
  database(): Database {
    const db = this.db;
    const counted = (q: Queryable): Queryable => ({
      query: <T>(sql: string, params?: unknown[]) => this.statement(sql, () => q.query<T>(sql, params)),
    });
    const direct = counted(db);
    return {
      kind: db.kind,
      query: direct.query,
      // BEGIN and COMMIT are the driver's: in the phase's time, and counted as two more statements.
      transaction: (fn) => {
        const run = async () => {
          for (const phase of this.stack) this.addPhase(phase, 0, 0, 2);
          return db.transaction((tx) => fn(counted(tx)));
        };
        if (this.stack.length === 0) return this.during(this.transactionPhase, run);
        return this.scope ? this.during(`${this.scope}: transaction`, run) : run();
      },
      exec: (sql) => db.exec(sql),
      probe: db.probe,
      poolStats: () => db.poolStats(),
      ping: (timeoutMs) => db.ping(timeoutMs),
      exclusive: (lockKey, fn) => db.exclusive(lockKey, fn),
      close: () => db.close(),
    };
  }

  phaseCosts(units: number): PhaseCost[] {
    return [...this.phases].map(([phase, p]) => ({
      phase,
      wallUs: (p.wall * 1000) / units,
      pgCpuUs: (p.cpu * 1000) / units,
      statements: p.statements / units,
    }));
  }

  statementCosts(units: number): StatementCost[] {
    return [...this.statements].map(([statement, s]) => ({
      statement,
      perUnit: s.n / units,
      wallUs: (s.wall * 1000) / s.n,
      pgCpuUs: (s.cpu * 1000) / s.n,
    }));
  }
}

function label(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ');
  if (text.startsWith('WITH key_lock')) return 'INSERT outbox_event (emit, with its key lock)';
  if (text.startsWith('WITH current')) return 'INSERT fhir_resource + history';
  if (text.includes('search_index_replace')) return 'SELECT search_index_replace (index rows)';
  if (text.startsWith('SELECT t.id FROM search_token')) return 'SELECT the patient by NHS number';
  if (text.includes('pg_advisory_xact_lock') && text.includes('hashtext'))
    return 'SELECT pg_advisory_xact_lock (the patient)';
  return text.split(' ').slice(0, 4).join(' ');
}

/** Report rows of a split's phases: phase, wall µs, PostgreSQL CPU µs, statements. */
export function phaseRows(phases: PhaseCost[]): string[][] {
  return phases.map((p) => [p.phase, p.wallUs.toFixed(0), p.pgCpuUs.toFixed(0), p.statements.toFixed(1)]);
}

/** Report rows of a split's statements: statement, per unit, wall µs, PostgreSQL CPU µs. */
export function statementRows(statements: StatementCost[]): string[][] {
  return statements.map((st) => [
    st.statement,
    st.perUnit.toFixed(1),
    st.wallUs.toFixed(0),
    st.pgCpuUs.toFixed(0),
  ]);
}
