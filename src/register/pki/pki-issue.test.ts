/**
 * The PKI over HTTP on both databases, issuing: $issue-certificate from a CSR, the public CA chain
 * and CRL, the operations in the CapabilityStatement, and the keys held for remote signing.
 * Revocation and the certificate check are in pki-revoke.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TEST_PUBLIC_URL } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { codeOf } from '../../../test/support/register/api.js';
import { param, usePkiApi } from '../../../test/support/register/pki-api.js';
import { csrPem, ecKeys, rsaKeys, tamperedCsrPem } from '../../../test/support/register/pki-keys.js';
import { REMOTE_KEYS_SERVICE } from '../services.js';
import { subtle, x509 } from './x509.js';

describe.each(databaseKinds)('PKI issuing on %s', (kind) => {
  const api = usePkiApi(kind);

  describe('$issue-certificate', () => {
    it('issues a certificate bound to the Practitioner that chains to /pki/ca.pem', async () => {
      const { certificate, body } = await api.issued(api.practitionerId);
      expect(param(body, 'serialNumber')?.valueString).toBe(certificate.serialNumber);
      const [issuing, root] = await api.caChain();
      expect(param(body, 'chain')?.valueString?.trim()).toBe(issuing!.toString('pem').trim());
      const chain = await new x509.X509ChainBuilder({ certificates: [issuing!, root!] }).build(certificate);
      expect(chain.map((cert) => cert.subject)).toEqual([
        certificate.subject,
        issuing!.subject,
        root!.subject,
      ]);
      expect(await certificate.verify({ publicKey: issuing!.publicKey, signatureOnly: true })).toBe(true);
      expect(await issuing!.verify({ publicKey: root!.publicKey, signatureOnly: true })).toBe(true);
      expect(await root!.isSelfSigned()).toBe(true);

      // The register decides the subject: the requested name is ignored, unsafe characters dropped.
      expect(certificate.subject).toBe('CN=Dr Asha Patel MRCGP');
      const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
      expect(san?.names.items.map((name) => name.toJSON())).toEqual([
        { type: 'url', value: `${TEST_PUBLIC_URL}/fhir/R4/Practitioner/${api.practitionerId}` },
      ]);
      const usage = certificate.getExtension(x509.KeyUsagesExtension)!;
      expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
      expect(certificate.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
      const crlPoint = certificate.getExtension(x509.CRLDistributionPointsExtension);
      expect(JSON.stringify(crlPoint?.toTextObject())).toContain(`${TEST_PUBLIC_URL}/pki/crl`);
      const years =
        (certificate.notAfter.getTime() - certificate.notBefore.getTime()) / (365 * 24 * 3600 * 1000);
      expect(years).toBeCloseTo(2, 1);

      const row = await api.t.pathways.db.query<{
        practitioner_id: string;
        der: Uint8Array;
        remote: boolean;
      }>('SELECT practitioner_id, der, remote FROM pki_certificate WHERE serial_number = $1', [
        certificate.serialNumber,
      ]);
      expect(row.rows[0]?.practitioner_id).toBe(api.practitionerId);
      expect(row.rows[0]?.remote).toBe(false);
      expect(Buffer.from(row.rows[0]!.der).equals(Buffer.from(certificate.rawData))).toBe(true);
    });

    it('accepts RSA 2048 and gives every certificate its own serial number', async () => {
      const rsa = await api.issue(api.practitionerId, await csrPem(await rsaKeys(2048)));
      expect(rsa.statusCode, rsa.body).toBe(200);
      const serials = new Set<string>();
      for (let i = 0; i < 3; i++)
        serials.add((await api.issued(api.practitionerId)).certificate.serialNumber);
      expect(serials.size).toBe(3);
      for (const serial of serials) expect(serial).toMatch(/^[1-7][0-9a-f]{31}$/);
    });

    it('refuses garbage, RSA 1024, P-384 and a CSR whose signature does not verify, storing nothing', async () => {
      const before = await api.certificateCount();
      const bad = [
        'not a certificate request',
        '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
        await csrPem(await rsaKeys(1024)),
        await csrPem(await ecKeys('P-384')),
        await tamperedCsrPem(),
      ];
      for (const csr of bad) {
        const response = await api.issue(api.practitionerId, csr);
        expect(response.statusCode, csr.slice(0, 40)).toBe(400);
        expect(codeOf(response)).toBe('INVALID_VALUE');
        expect(response.json().issue[0].expression).toEqual([
          "Parameters.parameter.where(name='csr').valueString",
        ]);
      }
      const missing = await api.call(
        api.asRegistrar,
        'POST',
        `/fhir/R4/Practitioner/${api.practitionerId}/$issue-certificate`,
        {
          resourceType: 'Parameters',
          parameter: [],
        },
      );
      expect(missing.statusCode).toBe(400);
      expect(codeOf(missing)).toBe('MISSING_VALUE');
      expect((await api.issue('not-registered', await csrPem(await ecKeys()))).statusCode).toBe(404);
      expect(await api.certificateCount()).toBe(before);
    });

    it('is for registrars with a recent one-time code only', async () => {
      const csr = await csrPem(await ecKeys());
      for (const who of [
        await api.t.bearer({
          roles: ['prescriber'],
          fhirUser: `Practitioner/${api.practitionerId}`,
          org: 'A83008',
        }),
        await api.t.bearer({ roles: ['dispenser'], org: 'FCG71' }),
        await api.t.bearer({ roles: ['patient'], fhirUser: 'Patient/p1' }),
      ]) {
        const response = await api.issue(api.practitionerId, csr, who);
        expect(response.statusCode).toBe(403);
        expect(codeOf(response)).toBe('FORBIDDEN');
        expect((await api.revoke(api.practitionerId, 'ab', 'superseded', who)).statusCode).toBe(403);
      }
      const stale = await api.t.bearer({
        roles: ['registrar'],
        authTime: Math.floor(Date.now() / 1000) - 3600,
      });
      const challenged = await api.issue(api.practitionerId, csr, stale);
      expect(challenged.statusCode).toBe(401);
      expect(challenged.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
    });
  });

  it('lists both operations on Practitioner in the CapabilityStatement', async () => {
    const metadata = (await api.t.pathways.app.inject({ method: 'GET', url: '/fhir/R4/metadata' })).json();
    const practitioner = metadata.rest[0].resource.find(
      (resource: { type: string }) => resource.type === 'Practitioner',
    );
    expect(practitioner.operation.map((operation: { name: string }) => operation.name).sort()).toEqual([
      'issue-certificate',
      'revoke-certificate',
    ]);
  });

  describe('/pki/ca.pem and /pki/crl', () => {
    it('serves the issuing CA then the root, and a CRL signed by the issuing CA, without a token', async () => {
      const chain = await api.caChain();
      expect(chain.map((cert) => cert.subject)).toEqual([
        'CN=Pathways Prescriber CA, O=Pathways',
        'CN=Pathways Root CA, O=Pathways',
      ]);
      const crl = await api.fetchCrl();
      expect(crl.issuer).toBe(chain[0]!.subject);
      expect(await crl.verify({ publicKey: chain[0]! })).toBe(true);
      expect(crl.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
    });
  });

  describe('remote-signing keys', () => {
    it('creates a key and certificate once, reuses them, and replaces them after revocation', async () => {
      const remoteKeys = api.t.pathways.services.get(REMOTE_KEYS_SERVICE);
      const id = await api.newPractitioner('Ben Carter');
      const first = await api.t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, id));
      const again = await api.t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, id));
      expect(again.serialNumber).toBe(first.serialNumber);
      expect(Buffer.from(again.certificateDer).equals(Buffer.from(first.certificateDer))).toBe(true);
      expect(first.privateKey.extractable).toBe(false);

      const certificate = new x509.X509Certificate(first.certificateDer);
      const data = new TextEncoder().encode('payload');
      const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, first.privateKey, data);
      const publicKey = await certificate.publicKey.export();
      expect(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, data)).toBe(true);
      expect(await api.check(first.certificateDer, new Date())).toEqual({
        ok: true,
        practitionerId: id,
        serialNumber: first.serialNumber,
      });

      const stored = await api.t.pathways.db.query<{ private_key_sealed: string; remote: boolean }>(
        `SELECT k.private_key_sealed, c.remote FROM pki_remote_key k JOIN pki_certificate c USING (serial_number)
         WHERE k.practitioner_id = $1`,
        [id],
      );
      expect(stored.rows[0]?.remote).toBe(true);
      expect(stored.rows[0]?.private_key_sealed).toMatch(/^v1:/);

      await api.revoke(id, first.serialNumber, 'keyCompromise');
      const replaced = await api.t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, id));
      expect(replaced.serialNumber).not.toBe(first.serialNumber);
      expect((await api.check(replaced.certificateDer, new Date())).ok).toBe(true);
    });

    it('refuses a practitioner the register does not know, creating nothing', async () => {
      const remoteKeys = api.t.pathways.services.get(REMOTE_KEYS_SERVICE);
      const before = await api.certificateCount();
      await expect(
        api.t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, 'nobody')),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await api.certificateCount()).toBe(before);
    });
  });
});
