/**
 * `pathways fake-epms [--port 4010] [--host 127.0.0.1] (--key-url URL | --key-file FILE)`: runs
 * the fake ePMS until SIGTERM/SIGINT. It prints one JSON line with its URL (set EPMS_URL to it)
 * and logs one line per received event (ids and outcome only). Steer it with
 * `curl -X POST $URL/_control -d '{"behaviour":"unavailable","times":3}'`; see what it booked
 * with `curl $URL/_received`.
 */
import { parseArgs } from 'node:util';
import { closeOnSignals, type LineOut, portArgument, stdoutLines } from '../../platform/cli/fake-server.js';
import { FakeEpms } from './server.js';
import type { KeySource } from './trusted-key.js';

export const FAKE_EPMS_USAGE =
  'usage: pathways fake-epms [--port 4010] [--host 127.0.0.1] (--key-url <pathways>/pki/feed.pem | --key-file FILE)';

/** Returns once the server is listening; the process then runs until a signal stops it. */
export async function runFakeEpms(
  argv: string[],
  options: { out?: LineOut; handleSignals?: boolean } = {},
): Promise<FakeEpms> {
  const out = options.out ?? stdoutLines;
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      'key-url': { type: 'string' },
      'key-file': { type: 'string' },
      'public-origin': { type: 'string' },
    },
  });
  const port = portArgument(values.port, FAKE_EPMS_USAGE);
  const keyUrl = values['key-url'];
  const keyFile = values['key-file'];
  if ((keyUrl === undefined) === (keyFile === undefined)) {
    throw new Error(`give exactly one of --key-url or --key-file\n${FAKE_EPMS_USAGE}`);
  }
  const key: KeySource = keyUrl !== undefined ? { url: keyUrl } : { file: keyFile! };
  const epms = new FakeEpms({
    port,
    host: values.host,
    key,
    onOutcome: (outcome, eventId) => out(JSON.stringify({ at: new Date().toISOString(), eventId, outcome })),
    ...(values['public-origin'] ? { publicOrigin: values['public-origin'] } : {}),
  });
  const url = await epms.start();
  out(
    JSON.stringify({
      fakeEpms: url,
      events: `${url}/events`,
      control: `${url}/_control`,
      received: `${url}/_received`,
    }),
  );
  if (options.handleSignals !== false) closeOnSignals(() => epms.close());
  return epms;
}
