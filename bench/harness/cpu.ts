/**
 * Who used the two cores during a measured run: the server process, this process (the load
 * generator), the PostgreSQL backends of the bench database and its shared helpers (WAL writer,
 * checkpointer), any other child the suite names (e.g. the fake ePMS), and everything else on the
 * machine (other people's work). Read from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // getconf CLK_TCK on Linux

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // the process ended between listing and reading
  }
}

/**
 * The PostgreSQL processes of a window: backends of the bench database and the shared helpers (WAL
 * writer, checkpointer, background writer), by pid. Sampled every half second as well as at both
 * ends, because a backend that exits during the window (the pool closing an idle connection)
 * takes its CPU time with it: its last sample keeps what it used.
 */
class PostgresProcesses {
  private readonly kind = new Map<number, 'backend' | 'shared' | 'other'>();
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  constructor(private readonly database: string) {}

  private classify(pid: number): 'backend' | 'shared' | 'other' {
    let title: string;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return 'other';
    }
    if (!title.startsWith('postgres: ')) return 'other';
    if (title.includes(` ${this.database} `)) return 'backend';
    return /walwriter|checkpointer|background writer/.test(title) ? 'shared' : 'other';
  }

  /** `initial`: the window starts now (processes seen later started during it, from zero). */
  sample(initial = false): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let kind = this.kind.get(pid);
      if (kind === undefined) {
        kind = this.classify(pid);
        this.kind.set(pid, kind);
      }
      if (kind === 'other') continue;
      const ticks = processTicks(pid);
      if (ticks === 0 && this.last.has(pid)) continue; // exited while being read
      if (!this.first.has(pid)) this.first.set(pid, initial ? ticks : 0);
      this.last.set(pid, ticks);
    }
  }

  /** Ticks used since the initial sample. */
  used(): { backends: number; shared: number } {
    let backends = 0;
    let shared = 0;
    for (const [pid, last] of this.last) {
      const used = last - (this.first.get(pid) ?? 0);
      if (this.kind.get(pid) === 'backend') backends += used;
      else shared += used;
    }
    return { backends, shared };
  }
}

/**
 * Busy, steal and total ticks of the whole machine. Steal is time the hypervisor gave our virtual
 * CPUs to someone else: on a shared host it is capacity we did not get, and it varies run to run.
 */
function machineTicks(): { busy: number; steal: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  const steal = values[7] ?? 0;
  return { busy: total - idle - steal, steal, total };
}

interface Snapshot {
  server: number;
  loadGenerator: number;
  pgBackends: number;
  pgShared: number;
  machineBusy: number;
  machineSteal: number;
  machineTotal: number;
  extra: Record<string, number>;
  at: number;
}

/** CPU in cores (1.0 = one core fully busy) averaged over the interval. */
export interface CpuShare {
  server: number;
  loadGenerator: number;
  pgBackends: number;
  pgShared: number;
  other: number;
  machineBusy: number;
  /** Capacity taken by the hypervisor for other guests. */
  steal: number;
  /** The named extra processes (not in `other`). */
  extra?: Record<string, number>;
}

export class CpuMeter {
  private start: Snapshot | undefined;
  private postgres: PostgresProcesses | undefined;
  private sampler: NodeJS.Timeout | undefined;
  constructor(
    private readonly serverPid: number,
    private readonly database: string | undefined,
    private readonly extraPids: Record<string, number> = {},
  ) {}

  private snapshot(): Snapshot {
    const pg = this.postgres?.used() ?? { backends: 0, shared: 0 };
    const usage = process.cpuUsage();
    const machine = machineTicks();
    return {
      server: processTicks(this.serverPid) / TICKS_PER_S,
      loadGenerator: (usage.user + usage.system) / 1e6,
      pgBackends: pg.backends / TICKS_PER_S,
      pgShared: pg.shared / TICKS_PER_S,
      machineBusy: machine.busy / TICKS_PER_S,
      machineSteal: machine.steal / TICKS_PER_S,
      machineTotal: machine.total / TICKS_PER_S,
      extra: Object.fromEntries(
        Object.entries(this.extraPids).map(([name, pid]) => [name, processTicks(pid) / TICKS_PER_S]),
      ),
      at: performance.now(),
    };
  }

  begin(): void {
    if (this.database) {
      const postgres = new PostgresProcesses(this.database);
      postgres.sample(true);
      this.postgres = postgres;
      this.sampler = setInterval(() => postgres.sample(), 500);
      this.sampler.unref();
    }
    this.start = this.snapshot();
  }

  end(): CpuShare {
    const start = this.start;
    if (!start) throw new Error('CpuMeter.end before begin');
    clearInterval(this.sampler);
    this.postgres?.sample();
    const now = this.snapshot();
    const seconds = (now.at - start.at) / 1000;
    const per = (key: Exclude<keyof Snapshot, 'extra'>) => (now[key] - start[key]) / seconds;
    const extra = Object.fromEntries(
      Object.keys(this.extraPids).map((name) => [
        name,
        ((now.extra[name] ?? 0) - (start.extra[name] ?? 0)) / seconds,
      ]),
    );
    const extras = Object.values(extra).reduce((sum, value) => sum + value, 0);
    const ours = per('server') + per('loadGenerator') + per('pgBackends') + per('pgShared') + extras;
    // /proc/stat counts every core, so its busy share is already in cores.
    const machineBusy = per('machineBusy');
    return {
      server: per('server'),
      loadGenerator: per('loadGenerator'),
      pgBackends: per('pgBackends'),
      pgShared: per('pgShared'),
      other: Math.max(0, machineBusy - ours),
      machineBusy,
      steal: per('machineSteal'),
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
  }
}
