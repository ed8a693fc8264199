/**
 * Who used the two cores during a measured run: the server process, this process (the load
 * generator), the PostgreSQL backends of the bench database and its shared helpers (WAL writer,
 * checkpointer), and everything else on the machine (other people's work). Read from /proc.
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

function postgresTicks(database: string): { backends: number; shared: number } {
  let backends = 0;
  let shared = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('postgres: ')) continue;
    if (title.includes(` ${database} `)) backends += processTicks(Number(entry));
    else if (/walwriter|checkpointer|background writer/.test(title)) shared += processTicks(Number(entry));
  }
  return { backends, shared };
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
}

export class CpuMeter {
  private start: Snapshot | undefined;
  constructor(
    private readonly serverPid: number,
    private readonly database: string | undefined,
  ) {}

  private snapshot(): Snapshot {
    const pg = this.database ? postgresTicks(this.database) : { backends: 0, shared: 0 };
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
      at: performance.now(),
    };
  }

  begin(): void {
    this.start = this.snapshot();
  }

  end(): CpuShare {
    const start = this.start;
    if (!start) throw new Error('CpuMeter.end before begin');
    const now = this.snapshot();
    const seconds = (now.at - start.at) / 1000;
    const per = (key: keyof Snapshot) => (now[key] - start[key]) / seconds;
    const ours = per('server') + per('loadGenerator') + per('pgBackends') + per('pgShared');
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
    };
  }
}
