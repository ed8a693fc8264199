/**
 * `pathways fake-pds [--port 4030] [--host 127.0.0.1]`: the fake demographics service as a
 * process, for development and process-level tests. Prints the DEMOGRAPHICS_URL to give the
 * service and its patients' test details; stops on SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { fakePdsPatients } from './patients.js';
import { FakePdsServer } from './server.js';

export const FAKE_PDS_USAGE = 'usage: pathways fake-pds [--port 4030] [--host 127.0.0.1]';

export async function runFakePds(
  argv: string[],
  options: { out?: (line: string) => void; until?: Promise<void> } = {},
): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '4030' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0–65535, got "${values.port}"\n${FAKE_PDS_USAGE}`);
  }
  const server = new FakePdsServer();
  const url = await server.start(port, values.host);
  out(`fake demographics service (PDS-like) listening on ${url}`);
  out(`DEMOGRAPHICS_URL=${url}`);
  for (const [nhsNumber, patient] of fakePdsPatients()) {
    const note =
      patient.id !== nhsNumber
        ? `superseded by ${patient.id}`
        : patient.deceasedDateTime
          ? 'deceased'
          : `${patient.name?.[0]?.family}, born ${patient.birthDate}, ${patient.address?.at(-1)?.postalCode}`;
    out(`  test patient ${nhsNumber}: ${note}`);
  }
  out(`controls: POST ${url}/_fake/mode {"mode":"normal"|"error-500"|"hang"}`);
  await (options.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  await server.stop();
  return 0;
}
