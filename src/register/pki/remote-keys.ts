/**
 * Keys the service holds for prescribers who have none of their own (remote signing, `$sign`).
 * On first use a practitioner gets an EC P-256 key and a certificate from the issuing CA; the
 * private key is stored PKCS#8 sealed with the secret key (bound to practitioner and serial), is
 * never logged and never returned by any API. A revoked, expiring or other-CA certificate is
 * replaced by a new key and certificate (an unrevoked predecessor is revoked as superseded).
 */
import type { Practitioner } from '@medplum/fhirtypes';
import { decryptSecret, encryptSecret, type SecretKey } from '../../platform/crypto/secret-box.js';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { FHIR_ID } from '../../platform/fhir/resource-types.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import { displayName } from '../practitioners/rules.js';
import type { CertificateAuthority } from './authority.js';
import { importEcSigningKey } from './ca-generate.js';
import type { CrlSettings } from './crl.js';
import { issueCertificate } from './issue.js';
import { revokeCertificate } from './revoke.js';
import { type CryptoKey, type CryptoKeyPair, subtle, x509 } from './x509.js';

const REMOTE_KEY_LOCK_NAMESPACE = 7_301_073;
/** A certificate this close to its end is replaced rather than used for one more signature. */
const RENEW_BEFORE_MS = 3600 * 1000;
const KEY_CACHE_SIZE = 1000;

export interface SigningMaterial {
  /** EC P-256, usable for ES256 only (`sign`), not extractable. */
  privateKey: CryptoKey;
  certificateDer: Uint8Array;
  serialNumber: string;
}

export interface RemoteKeysOptions {
  authority: CertificateAuthority;
  secretKey: SecretKey;
  validityDays: number;
  publicUrl: string;
  crl: CrlSettings;
  now?: () => Date;
}

interface KeyRow {
  private_key_sealed: string;
  serial_number: string;
  der: Uint8Array;
  not_after: Date | string;
  revoked_at: Date | string | null;
  issuer_key_id: string;
}

const aad = (practitionerId: string, serialNumber: string) =>
  `pki-remote-key:${practitionerId}:${serialNumber}`;

export function createRemoteKeys(options: RemoteKeysOptions) {
  const now = options.now ?? (() => new Date());
  const keys = new Map<string, CryptoKey>();

  async function unseal(practitionerId: string, row: KeyRow): Promise<CryptoKey> {
    const cached = keys.get(row.serial_number);
    if (cached) return cached;
    const key = await importEcSigningKey(
      decryptSecret(options.secretKey, row.private_key_sealed, aad(practitionerId, row.serial_number)),
    );
    remember(row.serial_number, key);
    return key;
  }

  function remember(serialNumber: string, key: CryptoKey): void {
    if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value as string);
    keys.set(serialNumber, key);
  }

  function usable(row: KeyRow): boolean {
    return (
      row.revoked_at === null &&
      row.issuer_key_id === options.authority.keyId &&
      new Date(row.not_after).getTime() - RENEW_BEFORE_MS > now().getTime()
    );
  }

  /**
   * The key and certificate to sign with for `practitionerId`, in the caller's transaction
   * (created there on first use, so they exist exactly when the caller's work commits).
   */
  async function signingMaterial(tx: Queryable, practitionerId: string): Promise<SigningMaterial> {
    if (!FHIR_ID.test(practitionerId)) throw new Problem('NOT_FOUND', 'No such Practitioner');
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      REMOTE_KEY_LOCK_NAMESPACE,
      practitionerId,
    ]);
    const found = await tx.query<KeyRow>(
      `SELECT k.private_key_sealed, c.serial_number, c.der, c.not_after, c.revoked_at, c.issuer_key_id
       FROM pki_remote_key k JOIN pki_certificate c ON c.serial_number = k.serial_number
       WHERE k.practitioner_id = $1`,
      [practitionerId],
    );
    const row = found.rows[0];
    if (row && usable(row)) {
      return {
        privateKey: await unseal(practitionerId, row),
        certificateDer: new Uint8Array(row.der),
        serialNumber: row.serial_number,
      };
    }
    const stored = await readCurrent(tx, 'Practitioner', practitionerId);
    if (!stored || stored.deleted) {
      throw new Problem('NOT_FOUND', `Practitioner/${practitionerId} is not in the register`);
    }
    const practitioner = JSON.parse(stored.content) as Practitioner;
    if (row && row.revoked_at === null && new Date(row.not_after).getTime() > now().getTime()) {
      await revokeCertificate(
        tx,
        options.authority,
        { practitionerId, serialNumber: row.serial_number, reason: 'superseded' },
        options.crl,
      );
    }
    const pair = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const issued = await issueCertificate(tx, options.authority, {
      practitionerId,
      practitionerName: displayName(practitioner),
      publicKey: await x509.PublicKey.create(pair.publicKey),
      remote: true,
      validityDays: options.validityDays,
      publicUrl: options.publicUrl,
      now: now(),
    });
    const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', pair.privateKey));
    const sealed = encryptSecret(options.secretKey, pkcs8, aad(practitionerId, issued.serialNumber));
    const privateKey = await importEcSigningKey(pkcs8);
    pkcs8.fill(0);
    remember(issued.serialNumber, privateKey);
    await tx.query(
      `INSERT INTO pki_remote_key (practitioner_id, serial_number, private_key_sealed) VALUES ($1, $2, $3)
       ON CONFLICT (practitioner_id) DO UPDATE
         SET serial_number = EXCLUDED.serial_number, private_key_sealed = EXCLUDED.private_key_sealed, created_at = now()`,
      [practitionerId, issued.serialNumber, sealed],
    );
    return { privateKey, certificateDer: issued.der, serialNumber: issued.serialNumber };
  }

  return { signingMaterial };
}

export type RemoteKeys = ReturnType<typeof createRemoteKeys>;
