/**
 * The PKI over HTTP on both databases, revocation: $revoke-certificate and the re-signed CRL, and
 * the certificate check prescribing relies on (trust, validity and revocation at sigT). Issuing is
 * in pki-issue.test.ts.
 */
import type { Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { codeOf } from '../../../test/support/register/api.js';
import { param, usePkiApi } from '../../../test/support/register/pki-api.js';
import { foreignLeaf } from '../../../test/support/register/pki-keys.js';
import { x509 } from './x509.js';

describe.each(databaseKinds)('PKI revocation on %s', (kind) => {
  const api = usePkiApi(kind);

  describe('$revoke-certificate', () => {
    it('revokes, shows the revocation in a re-signed CRL, and answers a second revocation without change', async () => {
      const { certificate } = await api.issued(api.practitionerId);
      const before = await api.fetchCrl();
      const serial = certificate.serialNumber.toUpperCase();
      const response = await api.revoke(api.practitionerId, serial, 'keyCompromise');
      expect(response.statusCode, response.body).toBe(200);
      const result = response.json() as Parameters;
      expect(param(result, 'serialNumber')?.valueString).toBe(certificate.serialNumber);
      expect(param(result, 'reason')?.valueCode).toBe('keyCompromise');
      const revokedAt = new Date(param(result, 'revokedAt')!.valueInstant!);
      expect(Math.abs(revokedAt.getTime() - Date.now())).toBeLessThan(60_000);

      const crl = await api.fetchCrl();
      const [issuing] = await api.caChain();
      expect(await crl.verify({ publicKey: issuing! })).toBe(true);
      const entry = crl.findRevoked(certificate.serialNumber);
      expect(entry?.reason).toBe(x509.X509CrlReason.keyCompromise);
      expect(entry?.revocationDate.toISOString()).toBe(revokedAt.toISOString());
      const number = (c: x509.X509Crl) => Buffer.from(c.getExtension('2.5.29.20')!.value).toString('hex');
      expect(number(crl)).not.toBe(number(before));
      expect(before.findRevoked(certificate.serialNumber)).toBeNull();

      const again = await api.revoke(api.practitionerId, certificate.serialNumber, 'superseded');
      expect(again.statusCode).toBe(200);
      expect(param(again.json(), 'reason')?.valueCode).toBe('keyCompromise');
    });

    it('lets a superseded certificate be marked compromised later, keeping its revocation time', async () => {
      const { certificate } = await api.issued(api.practitionerId);
      const first = (await api.revoke(api.practitionerId, certificate.serialNumber, 'superseded')).json();
      const second = await api.revoke(api.practitionerId, `00${certificate.serialNumber}`, 'keyCompromise');
      expect(param(second.json(), 'reason')?.valueCode).toBe('keyCompromise');
      expect(param(second.json(), 'revokedAt')?.valueInstant).toBe(param(first, 'revokedAt')?.valueInstant);
      expect((await api.fetchCrl()).findRevoked(certificate.serialNumber)?.reason).toBe(
        x509.X509CrlReason.keyCompromise,
      );
    });

    it("refuses another practitioner's certificate (404), a bad serial and an unknown reason (400)", async () => {
      const { certificate } = await api.issued(api.practitionerId);
      const other = await api.newPractitioner('Other');
      expect((await api.revoke(other, certificate.serialNumber, 'superseded')).statusCode).toBe(404);
      expect((await api.revoke(api.practitionerId, 'ab'.repeat(16), 'superseded')).statusCode).toBe(404);
      const badSerial = await api.revoke(api.practitionerId, 'ab:cd:ef', 'superseded');
      expect(badSerial.statusCode).toBe(400);
      expect(badSerial.json().issue[0].expression).toEqual([
        "Parameters.parameter.where(name='serialNumber').valueString",
      ]);
      const badReason = await api.revoke(api.practitionerId, certificate.serialNumber, 'removeFromCRL');
      expect(badReason.statusCode).toBe(400);
      expect(codeOf(badReason)).toBe('INVALID_VALUE');
      const noReason = await api.call(
        api.asRegistrar,
        'POST',
        `/fhir/R4/Practitioner/${api.practitionerId}/$revoke-certificate`,
        {
          resourceType: 'Parameters',
          parameter: [{ name: 'serialNumber', valueString: certificate.serialNumber }],
        },
      );
      expect(codeOf(noReason)).toBe('MISSING_VALUE');
      const row = await api.t.pathways.db.query<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM pki_certificate WHERE serial_number = $1',
        [certificate.serialNumber],
      );
      expect(row.rows[0]?.revoked_at).toBeNull();
    });
  });

  describe('checkSigningCertificate', () => {
    it('accepts a certificate the register issued, valid at sigT, and names its Practitioner', async () => {
      const { certificate, der } = await api.issued(api.practitionerId);
      expect(await api.check(der, new Date())).toEqual({
        ok: true,
        practitionerId: api.practitionerId,
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
        const result = await api.check(der, new Date());
        expect(result.ok).toBe(false);
        expect(!result.ok && result.code).toBe('CERTIFICATE_NOT_TRUSTED');
      }
      const { certificate, der } = await api.issued(api.practitionerId);
      await api.t.pathways.db.query('DELETE FROM pki_certificate WHERE serial_number = $1', [
        certificate.serialNumber,
      ]);
      expect(await api.check(der, new Date())).toMatchObject({ ok: false, code: 'CERTIFICATE_NOT_TRUSTED' });
    });

    it('answers EXPIRED for a signing time before notBefore or after notAfter', async () => {
      const { certificate, der } = await api.issued(api.practitionerId);
      const early = await api.check(der, new Date(certificate.notBefore.getTime() - 1000));
      expect(early).toMatchObject({ ok: false, code: 'CERTIFICATE_EXPIRED' });
      const late = await api.check(der, new Date(certificate.notAfter.getTime() + 1000));
      expect(late).toMatchObject({ ok: false, code: 'CERTIFICATE_EXPIRED' });
      expect((await api.check(der, certificate.notAfter)).ok).toBe(true);
    });

    it('judges revocation at sigT: compromise reaches back, superseded does not', async () => {
      const compromised = await api.issued(api.practitionerId);
      const sigT = compromised.certificate.notBefore;
      expect((await api.check(compromised.der, sigT)).ok).toBe(true);
      await api.revoke(api.practitionerId, compromised.certificate.serialNumber, 'keyCompromise');
      expect(await api.check(compromised.der, sigT)).toMatchObject({
        ok: false,
        code: 'CERTIFICATE_REVOKED',
      });

      const superseded = await api.issued(api.practitionerId);
      const serial = superseded.certificate.serialNumber;
      expect((await api.revoke(api.practitionerId, serial, 'superseded')).statusCode).toBe(200);
      // As if the revocation had come a minute after issuing (it came within the same second).
      const revokedAt = new Date(superseded.certificate.notBefore.getTime() + 60_000);
      await api.t.pathways.db.query('UPDATE pki_certificate SET revoked_at = $2 WHERE serial_number = $1', [
        serial,
        revokedAt,
      ]);
      expect(await api.check(superseded.der, new Date(revokedAt.getTime() - 1))).toMatchObject({ ok: true });
      expect(await api.check(superseded.der, superseded.certificate.notBefore)).toMatchObject({ ok: true });
      expect(await api.check(superseded.der, revokedAt)).toMatchObject({
        ok: false,
        code: 'CERTIFICATE_REVOKED',
      });
      expect(await api.check(superseded.der, new Date(revokedAt.getTime() + 60_000))).toMatchObject({
        ok: false,
        code: 'CERTIFICATE_REVOKED',
      });
    });
  });
});
