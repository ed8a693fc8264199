/**
 * A measured window on PostgreSQL: the CPU of each process (cpu.ts), the server's own /metrics
 * (metrics.ts) and PostgreSQL's counters (pg-activity.ts), begun and ended together. Its `begin`
 * and `end` are the probe `measure` calls around the measured seconds.
 */
import { CpuMeter, type CpuShare } from './cpu.js';
import { MetricsProbe, type ServerView } from './metrics.js';
import { type PgActivity, PgActivityProbe } from './pg-activity.js';
import type { Server } from './processes.js';
import { PG_DATABASE, PG_URL } from './service.js';

export interface WindowFigures {
  cpu: CpuShare;
  server: ServerView;
  pg: PgActivity;
}

export class MeasuredWindow {
  private readonly cpu: CpuMeter;
  private readonly metrics: MetricsProbe;
  private readonly activity = new PgActivityProbe(PG_URL, PG_DATABASE);
  private readonly settleMs: number;
  private ended: WindowFigures | undefined;

  /** `route`, `method`, `status`: what the server's handler figures count (see MetricsProbe). */
  constructor(
    server: Server,
    route: string | string[],
    method: string,
    options: { status?: string; extraPids?: Record<string, number>; settleMs?: number } = {},
  ) {
    this.cpu = new CpuMeter(server.pid, PG_DATABASE, options.extraPids);
    this.metrics = new MetricsProbe(server.metricsUrl, route, method, options.status);
    this.settleMs = options.settleMs ?? 0;
  }

  readonly begin = async (): Promise<void> => {
    await this.activity.begin();
    await this.metrics.begin();
    this.cpu.begin();
  };

  readonly end = async (): Promise<void> => {
    const cpu = this.cpu.end();
    const server = await this.metrics.end();
    const pg = await this.activity.end(this.settleMs);
    this.ended = { cpu, server, pg };
  };

  /** The figures of the window, once it has ended. */
  get figures(): WindowFigures {
    if (!this.ended) throw new Error('the measured window has not ended');
    return this.ended;
  }
}
