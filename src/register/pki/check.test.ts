/**
 * The signing-certificate check caches only what is pure (the leaf's parse and whether this CA
 * signed it) and judges the register's row (issued, revoked, whose) at sigT on every call: a
 * certificate revoked after a cached check is refused at once (HAZ-NO-RIGHT).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { csrPem, ecKeys } from '../../../test/support/register/pki-keys.js';
import type { Queryable } from '../../platform/database/database.js';
import { CertificateAuthority } from './authority.js';
import { generateCaPair } from './ca-generate.js';
import { type CertificateRow, createCertificateChecker } from './check.js';
import { randomSerial } from './serial.js';
import { x509 } from './x509.js';

async function authority(): Promise<CertificateAuthority> {
  const { root, issuing } = await generateCaPair(new Date(Date.now() - 60_000));
  return CertificateAuthority.create({
    issuing: issuing.certificate,
    issuingKey: issuing.privateKey,
    root: root.certificate,
    source: 'generated',
  });
}

async function leafOf(ca: CertificateAuthority): Promise<{ der: Uint8Array; serial: string }> {
  const publicKey = new x509.Pkcs10CertificateRequest(await csrPem(await ecKeys())).publicKey;
  const serial = randomSerial();
  const now = Date.now();
  const certificate = await ca.issue(
    {
      serialNumber: serial,
      practitionerId: 'p-1',
      practitionerName: 'Dr Cached',
      publicUrl: 'https://pathways.test',
      notBefore: new Date(Math.floor(now / 1000) * 1000 - 60_000),
      notAfter: new Date(now + 86_400_000),
    },
    publicKey,
  );
  return { der: new Uint8Array(certificate.rawData), serial };
}

/** A register whose row (its serial and bytes matched in SQL) the test changes; counts the reads. */
function register(row: CertificateRow | undefined) {
  const state = { row, reads: 0 };
  const q: Queryable = {
    async query<T>() {
      state.reads++;
      return { rows: (state.row ? [state.row] : []) as T[], rowCount: state.row ? 1 : 0 };
    },
  };
  return { q, state };
}

describe('the signing-certificate check', () => {
  let ca: CertificateAuthority;
  let other: CertificateAuthority;
  let leaf: { der: Uint8Array; serial: string };

  beforeAll(async () => {
    [ca, other] = await Promise.all([authority(), authority()]);
    leaf = await leafOf(ca);
  });

  it('checks the CA signature once per leaf, and the register row on every check', async () => {
    const checker = createCertificateChecker(ca);
    const signed = vi.spyOn(ca, 'signed');
    const { q, state } = register({
      practitioner_id: 'p-1',
      revoked_at: null,
      revocation_reason: null,
    });
    const sigT = new Date();
    for (let i = 0; i < 3; i++) {
      expect(await checker.checkSigningCertificate(q, { leafDer: leaf.der, sigT })).toEqual({
        ok: true,
        practitionerId: 'p-1',
        serialNumber: leaf.serial,
      });
    }
    expect(signed).toHaveBeenCalledTimes(1);
    expect(state.reads).toBe(3);
    signed.mockRestore();
  });

  it('refuses a certificate revoked after a cached check (keyCompromise: every signature)', async () => {
    const checker = createCertificateChecker(ca);
    const { q, state } = register({
      practitioner_id: 'p-1',
      revoked_at: null,
      revocation_reason: null,
    });
    const sigT = new Date(Date.now() - 5_000);
    expect(await checker.checkSigningCertificate(q, { leafDer: leaf.der, sigT })).toMatchObject({ ok: true });
    state.row = { ...state.row!, revoked_at: new Date(), revocation_reason: 'keyCompromise' };
    expect(await checker.checkSigningCertificate(q, { leafDer: leaf.der, sigT })).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_REVOKED',
    });
    // The same for a pre-check served from the cache: the serial is pure, the verdict is not.
    expect(await checker.precheck({ leafDer: leaf.der, sigT })).toEqual({ serialNumber: leaf.serial });
  });

  it('judges validity at each sigT, whatever an earlier check of the same leaf found', async () => {
    const checker = createCertificateChecker(ca);
    expect(await checker.precheck({ leafDer: leaf.der, sigT: new Date() })).toEqual({
      serialNumber: leaf.serial,
    });
    const late = await checker.precheck({ leafDer: leaf.der, sigT: new Date(Date.now() + 2 * 86_400_000) });
    expect(late).toMatchObject({ failure: { ok: false, code: 'CERTIFICATE_EXPIRED' } });
  });

  it("keeps each CA's verdicts apart: another CA's checker does not trust the leaf", async () => {
    const ours = createCertificateChecker(ca);
    const theirs = createCertificateChecker(other);
    const sigT = new Date();
    expect(await ours.precheck({ leafDer: leaf.der, sigT })).toEqual({ serialNumber: leaf.serial });
    expect(await theirs.precheck({ leafDer: leaf.der, sigT })).toMatchObject({
      failure: { code: 'CERTIFICATE_NOT_TRUSTED' },
    });
    expect(await ours.precheck({ leafDer: leaf.der, sigT })).toEqual({ serialNumber: leaf.serial });
  });

  it('refuses bytes that are not a certificate, and a leaf the register did not issue', async () => {
    const checker = createCertificateChecker(ca);
    expect(await checker.precheck({ leafDer: new Uint8Array([1, 2, 3]), sigT: new Date() })).toMatchObject({
      failure: { code: 'CERTIFICATE_NOT_TRUSTED' },
    });
    const { q } = register(undefined);
    expect(await checker.checkSigningCertificate(q, { leafDer: leaf.der, sigT: new Date() })).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_NOT_TRUSTED',
    });
  });
});
