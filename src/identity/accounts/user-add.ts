/**
 * `pathways user add --username U --role R [--password P] [--fhir-user …] [--org ODS]`: prints
 * exactly one JSON object `{"id","username","password","role","totpSecret"}` on stdout. A bad
 * argument prints one line on stderr and returns a non-zero exit code (the caller exits).
 */
import { parseArgs } from 'node:util';
import type { SecretKey } from '../../platform/crypto/secret-box.js';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { createAccount } from './store.js';

export const USER_ADD_USAGE =
  'usage: pathways user add --username U --role R [--password P] [--fhir-user Practitioner/ID|Patient/ID] [--org ODS]';

export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** `argv` is what follows `user add`. Returns 0, 1 (refused, e.g. username taken) or 2 (usage). */
export async function runUserAdd(
  db: Queryable,
  argv: string[],
  secretKey: SecretKey,
  io: CliOutput = processOutput,
): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        username: { type: 'string' },
        role: { type: 'string' },
        password: { type: 'string' },
        'fhir-user': { type: 'string' },
        org: { type: 'string' },
      },
    }));
  } catch (error) {
    io.err(`pathways: ${(error as Error).message.split('\n')[0]}\n${USER_ADD_USAGE}\n`);
    return 2;
  }
  if (values.username === undefined || values.role === undefined) {
    io.err(`pathways: --username and --role are required\n${USER_ADD_USAGE}\n`);
    return 2;
  }
  try {
    const created = await createAccount(db, {
      username: values.username,
      role: values.role,
      secretKey,
      ...(values.password !== undefined ? { password: values.password } : {}),
      ...(values['fhir-user'] !== undefined ? { fhirUser: values['fhir-user'] } : {}),
      ...(values.org !== undefined ? { org: values.org } : {}),
    });
    const { id, username, password, role, totpSecret } = created;
    io.out(`${JSON.stringify({ id, username, password, role, totpSecret })}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    io.err(`pathways: user add: ${error.issues[0]!.diagnostics}\n`);
    return error.code === 'CONFLICT' ? 1 : 2;
  }
}
