/**
 * The PKI over HTTP on both databases: issuing from a CSR, the public CA chain and CRL, revoking,
 * the certificate check prescribing relies on, and the keys held for remote signing.
 */
import type { Parameters } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  caller,
  codeOf,
  freshNumber,
  practitionerBody,
  registrar,
} from '../../../test/support/register/api.js';
import {
  csrPem,
  ecKeys,
  foreignLeaf,
  rsaKeys,
  tamperedCsrPem,
} from '../../../test/support/register/pki-keys.js';
import type { PkiService } from '../capability.js';
import { PKI_SERVICE, REMOTE_KEYS_SERVICE } from '../services.js';
import { subtle, x509 } from './x509.js';

const param = (parameters: Parameters, name: string) =>
  parameters.parameter?.find((parameter) => parameter.name === name);

describe.each(databaseKinds)('PKI on %s', (kind) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let asRegistrar: string;
  let pki: PkiService;
  let practitionerId: string;

  const certificateCount = async () =>
    (await t.pathways.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pki_certificate')).rows[0]?.n ??
    0;

  async function newPractitioner(name = 'Asha Patel'): Promise<string> {
    const response = await call(
      asRegistrar,
      'POST',
      '/fhir/R4/Practitioner',
      practitionerBody(freshNumber(), { name: [{ text: `Dr ${name}, "MRCGP"` }] }),
    );
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  async function issue(id: string, csr: string, authorization = asRegistrar) {
    return call(authorization, 'POST', `/fhir/R4/Practitioner/${id}/$issue-certificate`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'csr', valueString: csr }],
    });
  }

  async function issued(id: string) {
    const response = await issue(id, await csrPem(await ecKeys()));
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Parameters;
    const certificate = new x509.X509Certificate(param(body, 'certificate')!.valueString!);
    return { certificate, der: new Uint8Array(certificate.rawData), body };
  }

  async function revoke(id: string, serialNumber: string, reason: string, authorization = asRegistrar) {
    return call(authorization, 'POST', `/fhir/R4/Practitioner/${id}/$revoke-certificate`, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'serialNumber', valueString: serialNumber },
        { name: 'reason', valueCode: reason },
      ],
    });
  }

  async function fetchCrl(): Promise<x509.X509Crl> {
    const response = await t.pathways.app.inject({ method: 'GET', url: '/pki/crl' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pkix-crl');
    return new x509.X509Crl(new Uint8Array(response.rawPayload));
  }

  async function caChain(): Promise<x509.X509Certificate[]> {
    const response = await t.pathways.app.inject({ method: 'GET', url: '/pki/ca.pem' });
    expect(response.statusCode).toBe(200);
    return [...response.body.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
      (match) => new x509.X509Certificate(match[0]),
    );
  }

  const check = (leafDer: Uint8Array, sigT: Date) =>
    pki.checkSigningCertificate(t.pathways.db, { leafDer, chainDer: [], sigT });

  beforeAll(async () => {
    t = await startTestApp(kind);
    call = caller(t);
    asRegistrar = await registrar(t);
    pki = t.pathways.services.get(PKI_SERVICE);
    practitionerId = await newPractitioner();
  });
  afterAll(() => t.close());

  describe('$issue-certificate', () => {
    it('issues a certificate bound to the Practitioner that chains to /pki/ca.pem', async () => {
      const { certificate, body } = await issued(practitionerId);
      expect(param(body, 'serialNumber')?.valueString).toBe(certificate.serialNumber);
      const [issuing, root] = await caChain();
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
        { type: 'url', value: `${TEST_PUBLIC_URL}/fhir/R4/Practitioner/${practitionerId}` },
      ]);
      const usage = certificate.getExtension(x509.KeyUsagesExtension)!;
      expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
      expect(certificate.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
      const crlPoint = certificate.getExtension(x509.CRLDistributionPointsExtension);
      expect(JSON.stringify(crlPoint?.toTextObject())).toContain(`${TEST_PUBLIC_URL}/pki/crl`);
      const years =
        (certificate.notAfter.getTime() - certificate.notBefore.getTime()) / (365 * 24 * 3600 * 1000);
      expect(years).toBeCloseTo(2, 1);

      const row = await t.pathways.db.query<{ practitioner_id: string; der: Uint8Array; remote: boolean }>(
        'SELECT practitioner_id, der, remote FROM pki_certificate WHERE serial_number = $1',
        [certificate.serialNumber],
      );
      expect(row.rows[0]?.practitioner_id).toBe(practitionerId);
      expect(row.rows[0]?.remote).toBe(false);
      expect(Buffer.from(row.rows[0]!.der).equals(Buffer.from(certificate.rawData))).toBe(true);
    });

    it('accepts RSA 2048 and gives every certificate its own serial number', async () => {
      const rsa = await issue(practitionerId, await csrPem(await rsaKeys(2048)));
      expect(rsa.statusCode, rsa.body).toBe(200);
      const serials = new Set<string>();
      for (let i = 0; i < 3; i++) serials.add((await issued(practitionerId)).certificate.serialNumber);
      expect(serials.size).toBe(3);
      for (const serial of serials) expect(serial).toMatch(/^[1-7][0-9a-f]{31}$/);
    });

    it('refuses garbage, RSA 1024, P-384 and a CSR whose signature does not verify, storing nothing', async () => {
      const before = await certificateCount();
      const bad = [
        'not a certificate request',
        '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
        await csrPem(await rsaKeys(1024)),
        await csrPem(await ecKeys('P-384')),
        await tamperedCsrPem(),
      ];
      for (const csr of bad) {
        const response = await issue(practitionerId, csr);
        expect(response.statusCode, csr.slice(0, 40)).toBe(400);
        expect(codeOf(response)).toBe('INVALID_VALUE');
        expect(response.json().issue[0].expression).toEqual([
          "Parameters.parameter.where(name='csr').valueString",
        ]);
      }
      const missing = await call(
        asRegistrar,
        'POST',
        `/fhir/R4/Practitioner/${practitionerId}/$issue-certificate`,
        {
          resourceType: 'Parameters',
          parameter: [],
        },
      );
      expect(missing.statusCode).toBe(400);
      expect(codeOf(missing)).toBe('MISSING_VALUE');
      expect((await issue('not-registered', await csrPem(await ecKeys()))).statusCode).toBe(404);
      expect(await certificateCount()).toBe(before);
    });

    it('is for registrars with a recent one-time code only', async () => {
      const csr = await csrPem(await ecKeys());
      for (const who of [
        await t.bearer({ roles: ['prescriber'], fhirUser: `Practitioner/${practitionerId}`, org: 'A83008' }),
        await t.bearer({ roles: ['dispenser'], org: 'FCG71' }),
        await t.bearer({ roles: ['patient'], fhirUser: 'Patient/p1' }),
      ]) {
        const response = await issue(practitionerId, csr, who);
        expect(response.statusCode).toBe(403);
        expect(codeOf(response)).toBe('FORBIDDEN');
        expect((await revoke(practitionerId, 'ab', 'superseded', who)).statusCode).toBe(403);
      }
      const stale = await t.bearer({ roles: ['registrar'], authTime: Math.floor(Date.now() / 1000) - 3600 });
      const challenged = await issue(practitionerId, csr, stale);
      expect(challenged.statusCode).toBe(401);
      expect(challenged.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
    });
  });

  it('lists both operations on Practitioner in the CapabilityStatement', async () => {
    const metadata = (await t.pathways.app.inject({ method: 'GET', url: '/fhir/R4/metadata' })).json();
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
      const chain = await caChain();
      expect(chain.map((cert) => cert.subject)).toEqual([
        'CN=Pathways Prescriber CA, O=Pathways',
        'CN=Pathways Root CA, O=Pathways',
      ]);
      const crl = await fetchCrl();
      expect(crl.issuer).toBe(chain[0]!.subject);
      expect(await crl.verify({ publicKey: chain[0]! })).toBe(true);
      expect(crl.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
    });
  });

  describe('$revoke-certificate', () => {
    it('revokes, shows the revocation in a re-signed CRL, and answers a second revocation without change', async () => {
      const { certificate } = await issued(practitionerId);
      const before = await fetchCrl();
      const serial = certificate.serialNumber.toUpperCase();
      const response = await revoke(practitionerId, serial, 'keyCompromise');
      expect(response.statusCode, response.body).toBe(200);
      const result = response.json() as Parameters;
      expect(param(result, 'serialNumber')?.valueString).toBe(certificate.serialNumber);
      expect(param(result, 'reason')?.valueCode).toBe('keyCompromise');
      const revokedAt = new Date(param(result, 'revokedAt')!.valueInstant!);
      expect(Math.abs(revokedAt.getTime() - Date.now())).toBeLessThan(60_000);

      const crl = await fetchCrl();
      const [issuing] = await caChain();
      expect(await crl.verify({ publicKey: issuing! })).toBe(true);
      const entry = crl.findRevoked(certificate.serialNumber);
      expect(entry?.reason).toBe(x509.X509CrlReason.keyCompromise);
      expect(entry?.revocationDate.toISOString()).toBe(revokedAt.toISOString());
      const number = (c: x509.X509Crl) => Buffer.from(c.getExtension('2.5.29.20')!.value).toString('hex');
      expect(number(crl)).not.toBe(number(before));
      expect(before.findRevoked(certificate.serialNumber)).toBeNull();

      const again = await revoke(practitionerId, certificate.serialNumber, 'superseded');
      expect(again.statusCode).toBe(200);
      expect(param(again.json(), 'reason')?.valueCode).toBe('keyCompromise');
    });

    it('lets a superseded certificate be marked compromised later, keeping its revocation time', async () => {
      const { certificate } = await issued(practitionerId);
      const first = (await revoke(practitionerId, certificate.serialNumber, 'superseded')).json();
      const second = await revoke(practitionerId, `00${certificate.serialNumber}`, 'keyCompromise');
      expect(param(second.json(), 'reason')?.valueCode).toBe('keyCompromise');
      expect(param(second.json(), 'revokedAt')?.valueInstant).toBe(param(first, 'revokedAt')?.valueInstant);
      expect((await fetchCrl()).findRevoked(certificate.serialNumber)?.reason).toBe(
        x509.X509CrlReason.keyCompromise,
      );
    });

    it("refuses another practitioner's certificate (404), a bad serial and an unknown reason (400)", async () => {
      const { certificate } = await issued(practitionerId);
      const other = await newPractitioner('Other');
      expect((await revoke(other, certificate.serialNumber, 'superseded')).statusCode).toBe(404);
      expect((await revoke(practitionerId, 'ab'.repeat(16), 'superseded')).statusCode).toBe(404);
      const badSerial = await revoke(practitionerId, 'ab:cd:ef', 'superseded');
      expect(badSerial.statusCode).toBe(400);
      expect(badSerial.json().issue[0].expression).toEqual([
        "Parameters.parameter.where(name='serialNumber').valueString",
      ]);
      const badReason = await revoke(practitionerId, certificate.serialNumber, 'removeFromCRL');
      expect(badReason.statusCode).toBe(400);
      expect(codeOf(badReason)).toBe('INVALID_VALUE');
      const noReason = await call(
        asRegistrar,
        'POST',
        `/fhir/R4/Practitioner/${practitionerId}/$revoke-certificate`,
        {
          resourceType: 'Parameters',
          parameter: [{ name: 'serialNumber', valueString: certificate.serialNumber }],
        },
      );
      expect(codeOf(noReason)).toBe('MISSING_VALUE');
      const row = await t.pathways.db.query<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM pki_certificate WHERE serial_number = $1',
        [certificate.serialNumber],
      );
      expect(row.rows[0]?.revoked_at).toBeNull();
    });
  });

  describe('checkSigningCertificate', () => {
    it('accepts a certificate the register issued, valid at sigT, and names its Practitioner', async () => {
      const { certificate, der } = await issued(practitionerId);
      expect(await check(der, new Date())).toEqual({
        ok: true,
        practitionerId,
        serialNumber: certificate.serialNumber,
      });
    });

    it('does not trust other CAs (even with our names), self-signed certificates, garbage, or one we did not record', async () => {
      const { leaf, selfSigned } = await foreignLeaf();
      for (const der of [
        new Uint8Array(leaf.rawData),
        new Uint8Array(selfSigned.rawData),
        new Uint8Array([1, 2, 3]),
      ]) {
        const result = await check(der, new Date());
        expect(result.ok).toBe(false);
        expect(!result.ok && result.code).toBe('CERTIFICATE_NOT_TRUSTED');
      }
      const { certificate, der } = await issued(practitionerId);
      await t.pathways.db.query('DELETE FROM pki_certificate WHERE serial_number = $1', [
        certificate.serialNumber,
      ]);
      expect(await check(der, new Date())).toMatchObject({ ok: false, code: 'CERTIFICATE_NOT_TRUSTED' });
    });

    it('answers EXPIRED for a signing time before notBefore or after notAfter', async () => {
      const { certificate, der } = await issued(practitionerId);
      const early = await check(der, new Date(certificate.notBefore.getTime() - 1000));
      expect(early).toMatchObject({ ok: false, code: 'CERTIFICATE_EXPIRED' });
      const late = await check(der, new Date(certificate.notAfter.getTime() + 1000));
      expect(late).toMatchObject({ ok: false, code: 'CERTIFICATE_EXPIRED' });
      expect((await check(der, certificate.notAfter)).ok).toBe(true);
    });

    it('judges revocation at sigT: compromise reaches back, superseded does not', async () => {
      const compromised = await issued(practitionerId);
      const sigT = compromised.certificate.notBefore;
      expect((await check(compromised.der, sigT)).ok).toBe(true);
      await revoke(practitionerId, compromised.certificate.serialNumber, 'keyCompromise');
      expect(await check(compromised.der, sigT)).toMatchObject({ ok: false, code: 'CERTIFICATE_REVOKED' });

      const superseded = await issued(practitionerId);
      const serial = superseded.certificate.serialNumber;
      expect((await revoke(practitionerId, serial, 'superseded')).statusCode).toBe(200);
      // As if the revocation had come a minute after issuing (it came within the same second).
      const revokedAt = new Date(superseded.certificate.notBefore.getTime() + 60_000);
      await t.pathways.db.query('UPDATE pki_certificate SET revoked_at = $2 WHERE serial_number = $1', [
        serial,
        revokedAt,
      ]);
      expect(await check(superseded.der, new Date(revokedAt.getTime() - 1))).toMatchObject({ ok: true });
      expect(await check(superseded.der, superseded.certificate.notBefore)).toMatchObject({ ok: true });
      expect(await check(superseded.der, revokedAt)).toMatchObject({
        ok: false,
        code: 'CERTIFICATE_REVOKED',
      });
      expect(await check(superseded.der, new Date(revokedAt.getTime() + 60_000))).toMatchObject({
        ok: false,
        code: 'CERTIFICATE_REVOKED',
      });
    });
  });

  describe('remote-signing keys', () => {
    it('creates a key and certificate once, reuses them, and replaces them after revocation', async () => {
      const remoteKeys = t.pathways.services.get(REMOTE_KEYS_SERVICE);
      const id = await newPractitioner('Ben Carter');
      const first = await t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, id));
      const again = await t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, id));
      expect(again.serialNumber).toBe(first.serialNumber);
      expect(Buffer.from(again.certificateDer).equals(Buffer.from(first.certificateDer))).toBe(true);
      expect(first.privateKey.extractable).toBe(false);

      const certificate = new x509.X509Certificate(first.certificateDer);
      const data = new TextEncoder().encode('payload');
      const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, first.privateKey, data);
      const publicKey = await certificate.publicKey.export();
      expect(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, data)).toBe(true);
      expect(await check(first.certificateDer, new Date())).toEqual({
        ok: true,
        practitionerId: id,
        serialNumber: first.serialNumber,
      });

      const stored = await t.pathways.db.query<{ private_key_sealed: string; remote: boolean }>(
        `SELECT k.private_key_sealed, c.remote FROM pki_remote_key k JOIN pki_certificate c USING (serial_number)
         WHERE k.practitioner_id = $1`,
        [id],
      );
      expect(stored.rows[0]?.remote).toBe(true);
      expect(stored.rows[0]?.private_key_sealed).toMatch(/^v1:/);

      await revoke(id, first.serialNumber, 'keyCompromise');
      const replaced = await t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, id));
      expect(replaced.serialNumber).not.toBe(first.serialNumber);
      expect((await check(replaced.certificateDer, new Date())).ok).toBe(true);
    });

    it('refuses a practitioner the register does not know, creating nothing', async () => {
      const remoteKeys = t.pathways.services.get(REMOTE_KEYS_SERVICE);
      const before = await certificateCount();
      await expect(
        t.pathways.db.transaction((tx) => remoteKeys.signingMaterial(tx, 'nobody')),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await certificateCount()).toBe(before);
    });
  });
});
