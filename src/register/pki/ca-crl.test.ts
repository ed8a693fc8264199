/**
 * The generated CA and the CRL on both databases, without the HTTP layer: replicas starting
 * together share one CA, a wrong secret key stops the start, and the CRL is re-signed on
 * revocation and before it goes stale, its number only growing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { ecKeys } from '../../../test/support/register/pki-keys.js';
import { ConfigError } from '../../platform/config/config.js';
import { CertificateAuthority } from './authority.js';
import { loadOrCreateCa } from './ca-store.js';
import { currentCrl } from './crl.js';
import { issueCertificate } from './issue.js';
import { revokeCertificate } from './revoke.js';
import { x509 } from './x509.js';

const HOUR = 3600 * 1000;

describe.each(databaseKinds)('generated CA and CRL on %s', (kind) => {
  let database: TestDatabase;
  const secretKey = randomBytes(32);
  let authority: CertificateAuthority;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.dispose());

  it('creates one CA pair however many replicas start at once, and loads it afterwards', async () => {
    const loaded = await Promise.all([1, 2, 3].map(() => loadOrCreateCa(database.db, secretKey)));
    const serials = new Set(loaded.map((material) => material.issuing.serialNumber));
    expect(serials.size).toBe(1);
    const rows = await database.db.query<{ role: string; private_key_sealed: string }>(
      'SELECT role, private_key_sealed FROM pki_ca ORDER BY role',
    );
    expect(rows.rows.map((row) => row.role)).toEqual(['issuing', 'root']);
    for (const row of rows.rows) expect(row.private_key_sealed).toMatch(/^v1:/);
    const later = await loadOrCreateCa(database.db, secretKey);
    expect(later.issuing.serialNumber).toBe(loaded[0]!.issuing.serialNumber);
    expect(await later.issuing.verify({ publicKey: later.root!.publicKey, signatureOnly: true })).toBe(true);
    authority = await CertificateAuthority.create(later);
  });

  it('stops with a ConfigError naming PATHWAYS_SECRET_KEY when the key differs from the one that sealed the CA', async () => {
    await expect(loadOrCreateCa(database.db, randomBytes(32))).rejects.toThrow(ConfigError);
    await expect(loadOrCreateCa(database.db, randomBytes(32))).rejects.toThrow(/PATHWAYS_SECRET_KEY/);
  });

  it('re-signs the CRL when half its validity has passed, on revocation, and never lowers its number', async () => {
    const start = new Date();
    const settings = (at: Date) => ({ validityHours: 24, now: () => at });
    const first = await currentCrl(database.db, authority, settings(start));
    const same = await currentCrl(database.db, authority, settings(new Date(start.getTime() + 11 * HOUR)));
    expect(same.crlNumber).toBe(first.crlNumber);
    const stale = await currentCrl(database.db, authority, settings(new Date(start.getTime() + 13 * HOUR)));
    expect(stale.crlNumber).toBe(first.crlNumber + 1);
    expect(stale.nextUpdate.getTime()).toBeGreaterThan(first.nextUpdate.getTime());

    const issue = async (practitionerId: string) =>
      database.db.transaction(async (tx) =>
        issueCertificate(tx, authority, {
          practitionerId,
          practitionerName: 'Dr Test',
          publicKey: await x509.PublicKey.create((await ecKeys()).publicKey),
          remote: false,
          validityDays: 730,
          publicUrl: 'http://pathways.test',
        }),
      );
    const [a, b] = [await issue('p-1'), await issue('p-2')];
    const revokeSettings = { validityHours: 24 };
    // Two registrars revoking at once: both land in the CRL, and the numbers stay in order.
    await Promise.all([
      database.db.transaction((tx) =>
        revokeCertificate(
          tx,
          authority,
          { practitionerId: 'p-1', serialNumber: a.serialNumber, reason: 'keyCompromise' },
          revokeSettings,
        ),
      ),
      database.db.transaction((tx) =>
        revokeCertificate(
          tx,
          authority,
          { practitionerId: 'p-2', serialNumber: b.serialNumber, reason: 'unspecified' },
          revokeSettings,
        ),
      ),
    ]);
    const after = await currentCrl(database.db, authority, revokeSettings);
    expect(after.crlNumber).toBe(stale.crlNumber + 2);
    const crl = new x509.X509Crl(after.der);
    expect(await crl.verify({ publicKey: authority.issuing })).toBe(true);
    expect(crl.findRevoked(a.serialNumber)?.reason).toBe(x509.X509CrlReason.keyCompromise);
    // RFC 5280 5.3.1: no reasonCode for unspecified.
    const unspecified = crl.findRevoked(b.serialNumber);
    expect(unspecified).not.toBeNull();
    expect(unspecified?.reason).toBeUndefined();
  });
});
