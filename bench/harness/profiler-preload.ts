/**
 * Loaded into the server child with `--import` for the profiling pass. Unlike `--cpu-prof`, which
 * profiles the whole life of the process (start-up compiles the R4 definitions for seconds), this
 * profiles exactly one measured window: the first SIGUSR2 starts V8's sampling profiler, the next
 * writes `$PROFILE_DIR/<n>.cpuprofile` (the same format as --cpu-prof) and stops it.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

const dir = process.env['PROFILE_DIR'] ?? '.';
const session = new Session();
session.connect();
let running = false;
let written = 0;

process.on('SIGUSR2', () => {
  const step = running
    ? session.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(path.join(dir, `${++written}.cpuprofile`), JSON.stringify(profile));
      })
    : session
        .post('Profiler.enable')
        .then(() => session.post('Profiler.setSamplingInterval', { interval: 500 }))
        .then(() => session.post('Profiler.start'));
  running = !running;
  step.catch((error: Error) => process.stderr.write(`profiler: ${error.message}\n`));
});
