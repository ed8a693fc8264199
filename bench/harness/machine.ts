/** The machine the figures come from, and waiting for it to be quiet before measuring. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  /** 1, 5 and 15-minute load averages when measuring started. */
  loadBefore: [number, number, number];
}

export function describeMachine(databaseUrl: string | undefined): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  let postgres = 'not used';
  if (databaseUrl) {
    try {
      postgres = execFileSync('psql', [databaseUrl, '-Atc', 'SHOW server_version'], {
        encoding: 'utf8',
        timeout: 10_000,
      }).trim();
    } catch {
      postgres = 'unknown (psql failed)';
    }
  }
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cores: availableParallelism(),
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    loadBefore: [one, five, fifteen],
  };
}

/**
 * Waits (polling every `pollS`) until the 1-minute load average is below `threshold`, for at most
 * `maxMinutes`; returns the last load average either way, so the report can state it.
 */
export async function waitForQuiet(threshold: number, maxMinutes: number, pollS = 120): Promise<number> {
  const deadline = Date.now() + maxMinutes * 60_000;
  for (;;) {
    const one = loadavg()[0] ?? 0;
    if (one < threshold || Date.now() >= deadline) return one;
    process.stdout.write(
      `load average ${one.toFixed(2)} >= ${threshold}; waiting (until ${new Date(deadline).toISOString()})\n`,
    );
    await sleep(Math.min(pollS * 1000, Math.max(1000, deadline - Date.now())));
  }
}
