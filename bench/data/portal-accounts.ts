/**
 * Patient accounts for the portal suite: `accounts` of the seeded patients, spread evenly over
 * them, each a `patient` account with `fhirUser` `Patient/<id>`. The first is made with the CLI
 * itself (`pathways user add --role patient --fhir-user Patient/<id>`); the rest with the function
 * that command runs (`runUserAdd`, the same arguments, parsing, checks, argon2id hash and encrypted
 * TOTP seed) in this process on the bench database, because a thousand CLI processes would take
 * half an hour to start. Every account then signs in through the real flow (password, TOTP code,
 * authorization code with PKCE) from a loopback address of its own: sign-in allows 20 attempts a
 * minute per address, which a thousand patients at home never share.
 */

import { runUserAdd } from '../../src/identity/accounts/user-add.js';
import { loadSecretKey } from '../../src/platform/crypto/secret-box.js';
import { openDatabase } from '../../src/platform/database/database.js';
import { addUser, type BenchUser, UserSession } from '../harness/auth.js';
import { inParallel } from '../harness/parallel.js';
import { PG_URL } from '../harness/service.js';

export interface PatientAccount {
  user: BenchUser;
  /** Patient/<id> */
  patient: string;
  /** The loopback address it signs in from. */
  address: string;
}

export interface SignedInPatient extends PatientAccount {
  session: UserSession;
}

/** The j-th account's own loopback address: 127.10.0.1, 127.10.0.2, … (any 127.x.y.z is local). */
export function addressOf(j: number): string {
  return `127.10.${Math.floor(j / 250)}.${(j % 250) + 1}`;
}

export async function createPatientAccounts(
  env: Record<string, string>,
  dataDir: string,
  patientIds: string[],
  accounts: number,
): Promise<{ accounts: PatientAccount[]; seconds: number }> {
  const started = performance.now();
  const count = Math.min(accounts, patientIds.length);
  const stride = patientIds.length / count;
  const patients = Array.from({ length: count }, (_, j) => `Patient/${patientIds[Math.floor(j * stride)]}`);
  const username = (j: number) => `bench-patient-${j}`;
  const made: PatientAccount[] = new Array(count);
  made[0] = {
    user: addUser(env, { username: username(0), role: 'patient', fhirUser: patients[0]! }),
    patient: patients[0]!,
    address: addressOf(0),
  };
  const db = await openDatabase({ databaseUrl: PG_URL, dataDir, poolSize: 4 });
  try {
    const secretKey = loadSecretKey({ dataDir, env: {} });
    await inParallel(count - 1, 4, async (i) => {
      const j = i + 1;
      let printed = '';
      let failed = '';
      const code = await runUserAdd(
        db,
        ['--username', username(j), '--role', 'patient', '--fhir-user', patients[j]!],
        secretKey,
        {
          out: (text) => {
            printed += text;
          },
          err: (text) => {
            failed += text;
          },
        },
      );
      const created = JSON.parse(printed || '{}') as { password?: string; totpSecret?: string };
      if (code !== 0 || !created.password || !created.totpSecret)
        throw new Error(`user add ${username(j)}: exit ${code} ${failed}`);
      made[j] = {
        user: { username: username(j), password: created.password, totpSecret: created.totpSecret },
        patient: patients[j]!,
        address: addressOf(j),
      };
    });
  } finally {
    await db.close();
  }
  return { accounts: made, seconds: (performance.now() - started) / 1000 };
}

/** Every account signed in through the real flow, `concurrency` at a time. */
export async function signInPatients(
  baseUrl: string,
  accounts: PatientAccount[],
  concurrency = 8,
): Promise<{ patients: SignedInPatient[]; seconds: number }> {
  const started = performance.now();
  const patients: SignedInPatient[] = new Array(accounts.length);
  await inParallel(accounts.length, concurrency, async (j) => {
    const account = accounts[j]!;
    patients[j] = { ...account, session: await UserSession.signIn(baseUrl, account.user, account.address) };
  });
  return { patients, seconds: (performance.now() - started) / 1000 };
}
