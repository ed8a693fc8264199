/**
 * The generated CA pair kept in the database so that every replica issues from the same CA: the
 * first process to start creates it under an advisory lock, everyone else (and every later start)
 * loads it. Private keys are PKCS#8 sealed with the service's secret key, bound to their row.
 */
import { ConfigError } from '../../platform/config/config.js';
import {
  decryptSecret,
  encryptSecret,
  SecretBoxError,
  type SecretKey,
} from '../../platform/crypto/secret-box.js';
import type { Database } from '../../platform/database/database.js';
import type { AuthorityMaterial } from './authority.js';
import { generateCaPair, importEcSigningKey } from './ca-generate.js';
import { subtle, x509 } from './x509.js';

/** Advisory lock: "the CA pair is being created" (two-int key space, see platform lock numbers). */
const CA_LOCK = [7_301_071, 0] as const;

interface CaRow {
  role: 'root' | 'issuing';
  certificate_der: Uint8Array;
  private_key_sealed: string;
}

const aad = (role: string) => `pki-ca:${role}`;

export async function loadOrCreateCa(db: Database, secretKey: SecretKey): Promise<AuthorityMaterial> {
  const rows = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [...CA_LOCK]);
    const existing = await tx.query<CaRow>('SELECT role, certificate_der, private_key_sealed FROM pki_ca');
    if (existing.rows.some((row) => row.role === 'issuing')) return existing.rows;
    const pair = await generateCaPair();
    const created: CaRow[] = [];
    for (const [role, ca] of [
      ['root', pair.root],
      ['issuing', pair.issuing],
    ] as const) {
      const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', ca.privateKey));
      const row: CaRow = {
        role,
        certificate_der: new Uint8Array(ca.certificate.rawData),
        private_key_sealed: encryptSecret(secretKey, pkcs8, aad(role)),
      };
      await tx.query('INSERT INTO pki_ca (role, certificate_der, private_key_sealed) VALUES ($1, $2, $3)', [
        row.role,
        Buffer.from(row.certificate_der),
        row.private_key_sealed,
      ]);
      created.push(row);
    }
    return created;
  });
  const issuingRow = rows.find((row) => row.role === 'issuing')!;
  const rootRow = rows.find((row) => row.role === 'root');
  let sealed: Buffer;
  try {
    sealed = decryptSecret(secretKey, issuingRow.private_key_sealed, aad('issuing'));
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new ConfigError(
      'PATHWAYS_SECRET_KEY',
      'does not open the stored PKI CA key: every replica needs the key the CA was sealed with',
    );
  }
  const issuingKey = await importEcSigningKey(sealed);
  return {
    issuing: new x509.X509Certificate(Buffer.from(issuingRow.certificate_der)),
    issuingKey,
    ...(rootRow ? { root: new x509.X509Certificate(Buffer.from(rootRow.certificate_der)) } : {}),
    source: 'generated',
  };
}
