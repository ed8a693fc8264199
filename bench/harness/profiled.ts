/**
 * CPU profiles of the server under load: a second server on the same data with the profiler
 * preload (profiler-preload.ts), which starts a profile on one SIGUSR2 and writes it on the next.
 * Every suite profiles its main runs through `withProfiledServer`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../report/report.js';
import { type ProfileSummary, summarizeProfile } from './cpu-profile.js';
import { type LoadSpec, measure } from './load.js';
import { type Server, tempDir } from './processes.js';
import { preloadFlags, type StartOptions, startPathways } from './service.js';

/** The profile the preload writes on the second SIGUSR2, once it is complete (or undefined). */
export async function waitForProfile(file: string, timeoutMs = 30_000): Promise<ProfileSummary | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(250);
    try {
      return summarizeProfile(file);
    } catch {
      // not written (completely) yet
    }
  }
  return undefined;
}

export function keepProfile(file: string, dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, path.join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.cpuprofile`));
}

export interface Profiler {
  server: Server;
  /**
   * One load run, profiled: the summary, or undefined when no profile was written. `keepAs`
   * names the .cpuprofile kept in `keepProfiles` (when given).
   */
  profile(
    load: Omit<LoadSpec, 'url'>,
    keep?: { dir: string | undefined; as: string },
  ): Promise<ProfileSummary | undefined>;
}

/** Starts the profiled server, runs `body` with it, and stops it (and removes its profiles). */
export async function withProfiledServer<T>(
  db: Db,
  dataDir: string,
  pool: number,
  options: Omit<StartOptions, 'nodeFlags'>,
  body: (profiler: Profiler) => Promise<T>,
): Promise<T> {
  const profiles = tempDir('pathways-bench-prof-');
  const server = await startPathways(db, dataDir, pool, {
    ...options,
    nodeFlags: preloadFlags('./bench/harness/profiler-preload.ts'),
    env: { ...options.env, PROFILE_DIR: profiles.dir },
  });
  let written = 0;
  const profiler: Profiler = {
    server,
    async profile(load, keep) {
      const file = `${profiles.dir}/${++written}.cpuprofile`;
      await measure(
        { url: server.url, ...load },
        { begin: async () => server.signal('SIGUSR2'), end: async () => server.signal('SIGUSR2') },
      );
      const summary = await waitForProfile(file);
      if (summary && keep?.dir) keepProfile(file, keep.dir, keep.as);
      return summary;
    },
  };
  try {
    return await body(profiler);
  } finally {
    await server.stop();
    profiles.remove();
  }
}
