/**
 * PATHWAYS_DEMO on both databases: the demo prescribers and their rights are registered, the
 * local demo key and certificate are written and trusted, and seeding again changes nothing.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { seedRegisterDemo } from './demo.js';
import { CertificateAuthority } from './pki/authority.js';
import { loadOrCreateCa } from './pki/ca-store.js';
import { x509 } from './pki/x509.js';
import { PKI_SERVICE, REGISTER_SERVICE } from './services.js';

describe.each(databaseKinds)('register demo on %s', (kind) => {
  let t: TestApp;
  let demoDir: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { PATHWAYS_DEMO: '1' });
    demoDir = path.join(t.database.dataDir, 'demo');
  });
  afterAll(() => t.close());

  it('registers the demo prescribers with their rights at A83008', async () => {
    const register = t.pathways.services.get(REGISTER_SERVICE);
    const db = t.pathways.db;
    const now = new Date();
    expect(
      await register.rightsAt(db, { practitionerId: 'demo-prescriber', orgOds: 'A83008', at: now }),
    ).toEqual(['independent', 'controlled-drugs']);
    expect(
      await register.rightsAt(db, { practitionerId: 'demo-prescriber-remote', orgOds: 'A83008', at: now }),
    ).toEqual(['independent', 'supplementary']);
    expect(
      await register.rightsAt(db, { practitionerId: 'demo-registrar', orgOds: 'A83008', at: now }),
    ).toEqual([]);
    const found = await register.resolvePractitioner(db, [
      { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '9999001' },
    ]);
    expect(found?.id).toBe('demo-prescriber');
    expect(found?.resource.name?.[0]?.text).toBe('Dr Asha Patel (demo)');
    for (const id of ['demo-prescriber-role', 'demo-prescriber-remote-role']) {
      const row = await db.query('SELECT 1 FROM fhir_resource WHERE resource_type = $1 AND id = $2', [
        'PractitionerRole',
        id,
      ]);
      expect(row.rowCount).toBe(1);
    }
  });

  it('writes a demo key and a certificate the PKI trusts, and says where in the banner', async () => {
    const keyFile = path.join(demoDir, 'demo-prescriber.key.pem');
    const certFile = path.join(demoDir, 'demo-prescriber.cert.pem');
    expect(t.pathways.demoLines.join('\n')).toContain(keyFile);
    expect(t.pathways.demoLines.join('\n')).toContain(certFile);
    expect(t.pathways.demoLines.join('\n')).toContain(`${TEST_PUBLIC_URL}/pki/ca.pem`);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    const keyPem = readFileSync(keyFile, 'utf8');
    expect(keyPem).toContain('-----BEGIN PRIVATE KEY-----');
    const certificate = new x509.X509Certificate(readFileSync(certFile, 'utf8'));
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(certificate.publicKey.rawData).equals(spki)).toBe(true);
    expect(certificate.subject).toBe('CN=Dr Asha Patel (demo)');
    const pki = t.pathways.services.get(PKI_SERVICE);
    const checked = await pki.checkSigningCertificate(t.pathways.db, {
      leafDer: new Uint8Array(certificate.rawData),
      sigT: new Date(),
    });
    expect(checked).toMatchObject({ ok: true, practitionerId: 'demo-prescriber' });
    const ca = readFileSync(path.join(t.database.dataDir, 'pki', 'ca.pem'), 'utf8');
    expect(ca).toBe(pki.caChainPem());
  });

  it('changes nothing when seeded again, and replaces a demo certificate that was revoked', async () => {
    const authority = await CertificateAuthority.create(
      await loadOrCreateCa(t.pathways.db, t.pathways.identity.secretKey),
    );
    const deps = {
      db: t.pathways.db,
      authority,
      dataDir: t.database.dataDir,
      publicUrl: TEST_PUBLIC_URL,
      validityDays: 730,
    };
    const certFile = path.join(demoDir, 'demo-prescriber.cert.pem');
    const counts = async () =>
      (
        await t.pathways.db.query<{ n: number }>(
          "SELECT (SELECT count(*) FROM pki_certificate) + (SELECT count(*) FROM fhir_resource_history WHERE resource_type IN ('Practitioner', 'PractitionerRole')) AS n",
        )
      ).rows[0]?.n;
    const before = { cert: readFileSync(certFile, 'utf8'), rows: await counts() };
    await seedRegisterDemo(deps);
    expect(readFileSync(certFile, 'utf8')).toBe(before.cert);
    expect(await counts()).toBe(before.rows);

    const serial = new x509.X509Certificate(before.cert).serialNumber;
    await t.pathways.db.query(
      "UPDATE pki_certificate SET revoked_at = now(), revocation_reason = 'keyCompromise' WHERE serial_number = $1",
      [serial],
    );
    await seedRegisterDemo(deps);
    const renewed = new x509.X509Certificate(readFileSync(certFile, 'utf8'));
    expect(renewed.serialNumber).not.toBe(serial);
  });
});
