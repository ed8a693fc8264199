/**
 * `pathways fake-epr [--port 2576] [--host 127.0.0.1] [--mode accept] [--times N] [--slow-ms 2000]`:
 * runs the fake EPR until SIGTERM/SIGINT. It prints one JSON line with its URL (set EPR_MLLP_URL to
 * it) and one line per message received (control id, type, outcome). Change its behaviour while it
 * runs by typing a mode (and optionally how many messages it lasts) on its standard input, e.g.
 * `nak-ae 1`, `down`, `accept`.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { closeOnSignals, type LineOut, portArgument, stdoutLines } from '../../platform/cli/fake-server.js';
import { FAKE_EPR_MODES, FakeEpr, type FakeEprMode } from './server.js';

export const FAKE_EPR_USAGE = `usage: pathways fake-epr [--port 2576] [--host 127.0.0.1] [--mode ${FAKE_EPR_MODES.join('|')}] [--times N] [--slow-ms 2000]`;

function modeOf(value: string): FakeEprMode {
  if (!(FAKE_EPR_MODES as readonly string[]).includes(value)) {
    throw new Error(`--mode: one of ${FAKE_EPR_MODES.join(', ')}, not "${value}"\n${FAKE_EPR_USAGE}`);
  }
  return value as FakeEprMode;
}

function count(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max)
    throw new Error(`${name}: a whole number from 1 to ${max}, not "${value}"`);
  return n;
}

export async function runFakeEpr(
  argv: string[],
  options: { out?: LineOut; input?: Readable; handleSignals?: boolean } = {},
): Promise<FakeEpr> {
  const out = options.out ?? stdoutLines;
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      port: { type: 'string', default: '2576' },
      host: { type: 'string', default: '127.0.0.1' },
      mode: { type: 'string', default: 'accept' },
      times: { type: 'string' },
      'slow-ms': { type: 'string' },
    },
  });
  const port = portArgument(values.port, FAKE_EPR_USAGE);
  const mode = modeOf(values.mode);
  const times = count('--times', values.times, 1_000_000);
  const slowMs = count('--slow-ms', values['slow-ms'], 600_000);
  const epr = new FakeEpr({
    port,
    host: values.host,
    ...(slowMs ? { slowMs } : {}),
    onMessage: (received) =>
      out(
        JSON.stringify({
          at: received.at,
          controlId: received.controlId,
          type: received.type,
          outcome: received.outcome,
        }),
      ),
  });
  await epr.start();
  await epr.setMode(mode, times);
  out(JSON.stringify({ fakeEpr: epr.url, mode }));
  const input = options.input ?? (options.handleSignals === false ? undefined : process.stdin);
  if (input) {
    createInterface({ input }).on('line', (line) => {
      const [next, n] = line.trim().split(/\s+/);
      if (!next) return;
      try {
        const chosen = modeOf(next);
        void epr
          .setMode(chosen, count('times', n, 1_000_000))
          .then(() => out(JSON.stringify({ mode: chosen, times: n ?? null })));
      } catch (error) {
        out(JSON.stringify({ error: (error as Error).message.split('\n')[0] }));
      }
    });
  }
  if (options.handleSignals !== false) closeOnSignals(() => epr.close());
  return epr;
}
