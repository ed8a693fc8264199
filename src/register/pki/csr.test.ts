import { describe, expect, it } from 'vitest';
import { csrPem, ecKeys, rsaKeys, tamperedCsrPem } from '../../../test/support/register/pki-keys.js';
import { Problem } from '../../platform/errors/problem.js';
import { checkCsr } from './csr.js';
import { subtle, x509 } from './x509.js';

async function problemOf(pem: unknown): Promise<Problem> {
  try {
    await checkCsr(pem);
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem');
}

describe('checkCsr', () => {
  it('accepts EC P-256 and RSA 2048 requests, and returns their public key', async () => {
    const ec = await ecKeys();
    const checked = await checkCsr(await csrPem(ec));
    expect(checked.keyDescription).toBe('EC P-256');
    const spki = Buffer.from(await subtle.exportKey('spki', ec.publicKey));
    expect(Buffer.from(checked.publicKey.rawData).equals(spki)).toBe(true);
    expect((await checkCsr(await csrPem(await rsaKeys(2048)))).keyDescription).toBe('RSA 2048');
  });

  it('accepts a NEW CERTIFICATE REQUEST header and CRLF line ends', async () => {
    const pem = (await csrPem(await ecKeys()))
      .replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')
      .replace(/\n/g, '\r\n');
    expect((await checkCsr(pem)).keyDescription).toBe('EC P-256');
  });

  it('needs a csr at all', async () => {
    expect((await problemOf(undefined)).code).toBe('MISSING_VALUE');
    expect((await problemOf('  ')).code).toBe('MISSING_VALUE');
  });

  it.each([
    ['not PEM', 'hello'],
    ['a certificate, not a request', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
    ['PEM of garbage', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'],
    [
      'too large',
      `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(40_000)}\n-----END CERTIFICATE REQUEST-----`,
    ],
  ])('refuses %s', async (_what, pem) => {
    expect((await problemOf(pem)).code).toBe('INVALID_VALUE');
  });

  it('refuses RSA below 2048 bits, EC off P-256 and Ed25519 keys, saying why', async () => {
    expect((await problemOf(await csrPem(await rsaKeys(1024)))).message).toContain('2048');
    expect((await problemOf(await csrPem(await ecKeys('P-384')))).message).toContain('P-256');
    const ed = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as Awaited<
      ReturnType<typeof ecKeys>
    >;
    const edCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=x',
      keys: ed,
      signingAlgorithm: { name: 'Ed25519' },
    });
    expect((await problemOf(edCsr.toString('pem'))).message).toContain('ed25519');
  });

  it('refuses a request whose signature does not verify with its own key', async () => {
    const problem = await problemOf(await tamperedCsrPem());
    expect(problem.code).toBe('INVALID_VALUE');
    expect(problem.message).toContain('does not verify');
  });
});
