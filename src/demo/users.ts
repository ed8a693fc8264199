/**
 * Demo accounts for `npm start`: one per role, created once. Their password is fixed and printed
 * (demo data only — PATHWAYS_DEMO is off unless `npm start` turns it on); each TOTP seed is read
 * back from the encrypted store so the banner can print it on every start.
 */
import { createAccount, credentialsByUsername, currentTotp, totpAad } from '../identity/index.js';
import type { Role } from '../platform/auth/principal.js';
import { decryptSecret, type SecretKey } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/database/database.js';

export const DEMO_PASSWORD = 'pathways-demo-2026';

const DEMO_USERS: Array<{ username: string; role: Role; fhirUser?: string; org?: string }> = [
  {
    username: 'demo-prescriber',
    role: 'prescriber',
    fhirUser: 'Practitioner/demo-prescriber',
    org: 'A83008',
  },
  {
    username: 'demo-prescriber-remote',
    role: 'prescriber',
    fhirUser: 'Practitioner/demo-prescriber-remote',
    org: 'A83008',
  },
  { username: 'demo-dispenser', role: 'dispenser', fhirUser: 'Practitioner/demo-pharmacist', org: 'FCG71' },
  { username: 'demo-registrar', role: 'registrar', fhirUser: 'Practitioner/demo-registrar' },
  { username: 'demo-clinician', role: 'clinician', fhirUser: 'Practitioner/demo-clinician', org: 'RR8' },
  { username: 'demo-patient', role: 'patient', fhirUser: 'Patient/demo-patient-1' },
  { username: 'demo-service-desk', role: 'service-desk' },
  { username: 'demo-admin', role: 'admin' },
  { username: 'demo-analyst', role: 'analyst' },
];

export interface DemoUser {
  username: string;
  role: Role;
  password: string;
  totpSecret: string;
  currentCode: string;
}

export async function seedDemoUsers(db: Database, secretKey: SecretKey): Promise<DemoUser[]> {
  const users: DemoUser[] = [];
  for (const user of DEMO_USERS) {
    let credentials = await credentialsByUsername(db, user.username);
    if (!credentials) {
      await createAccount(db, { ...user, password: DEMO_PASSWORD, secretKey });
      credentials = await credentialsByUsername(db, user.username);
    }
    if (!credentials) continue;
    const totpSecret = decryptSecret(secretKey, credentials.totpSecretEnc, totpAad(credentials.id)).toString(
      'utf8',
    );
    users.push({
      username: user.username,
      role: user.role,
      password: DEMO_PASSWORD,
      totpSecret,
      currentCode: currentTotp(totpSecret),
    });
  }
  return users;
}
