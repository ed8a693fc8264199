/**
 * `pathways fake-notify [--port 4020] [--host 127.0.0.1] [--api-key KEY] [--settle-ms 2000]`: the
 * fake GOV.UK Notify server as a process, for development and process-level tests. Prints the
 * NOTIFY_BASE_URL and NOTIFY_API_KEY to give the service; stops on SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { type ApiKey, parseApiKey } from './api-key.js';
import { FakeNotifyServer } from './server.js';

/** A fixed key, so a developer's environment keeps working across restarts of the fake. */
export const DEFAULT_FAKE_KEY: ApiKey = Object.freeze({
  keyName: 'pathways_fake_notify',
  serviceId: '5a2b0e8e-6f0c-4f6b-9a54-2d7c1b9c3e01',
  secret: 'c0ffee00-1d2e-4f3a-8b4c-5d6e7f8091a2',
});

export async function runFakeNotify(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', default: '4020' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'settle-ms': { type: 'string', default: '2000' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, got "${values.port}"`);
  const settleAfterMs = Number(values['settle-ms']);
  if (!Number.isInteger(settleAfterMs) || settleAfterMs < 0)
    throw new Error('--settle-ms must be a whole number');
  const apiKey = values['api-key'] === undefined ? DEFAULT_FAKE_KEY : parseApiKey(values['api-key']);
  if (!apiKey) throw new Error('--api-key must look like {key_name}-{service uuid}-{secret uuid}');

  const server = new FakeNotifyServer({ apiKey, settleAfterMs });
  const url = await server.start(port, values.host);
  out(`fake GOV.UK Notify listening on ${url}`);
  out(`NOTIFY_BASE_URL=${url}`);
  out(`NOTIFY_API_KEY=${server.apiKey}`);
  out(
    'test recipients: 07700900003 / temp-fail@simulator.notify end temporary-failure, 07700900002 / perm-fail@simulator.notify end permanent-failure',
  );
  out(
    `controls: GET ${url}/_fake/messages, POST ${url}/_fake/mode {"mode":"normal"|"error-500"|"rate-limit-429"}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.stop();
  return 0;
}
