import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSigner, type TestSigner } from '../../test/support/signing/material.js';
import { keyProblem, parseDerCertificate, readCertificate, signingKey } from './keys.js';

describe('signing keys', () => {
  let ec: TestSigner;
  let rsa: TestSigner;
  let pss: TestSigner;
  beforeAll(async () => {
    [ec, rsa, pss] = await Promise.all([makeSigner('ES256'), makeSigner('RS256'), makeSigner('PS256')]);
  });

  it('fit an algorithm by type, curve and size', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    const ed25519 = generateKeyPairSync('ed25519').publicKey;
    const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(keyProblem(p256, 'ES256')).toBeUndefined();
    expect(keyProblem(rsa2048, 'RS256')).toBeUndefined();
    expect(keyProblem(rsa2048, 'PS256')).toBeUndefined();
    expect(keyProblem(p384, 'ES256')).toBe('ES256 needs an EC P-256 key, not an EC secp384r1 key');
    expect(keyProblem(rsa2048, 'ES256')).toBe('ES256 needs an EC P-256 key, not a 2048-bit RSA key');
    expect(keyProblem(p256, 'PS256')).toBe('PS256 needs an RSA key, not an EC prime256v1 key');
    expect(keyProblem(ed25519, 'RS256')).toBe('RS256 needs an RSA key, not a ed25519 key');
    // Keys restricted to RSA-PSS (id-RSASSA-PSS) are refused with a reason; rsaEncryption keys sign PS256.
    const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey;
    expect(keyProblem(rsaPss, 'PS256')).toBe('PS256 needs an RSA key, not a 2048-bit RSA-PSS key');
    expect(keyProblem(rsa1024, 'RS256')).toBe(
      'RS256 needs an RSA key of at least 2048 bits, not a 1024-bit RSA key',
    );
  });

  it('take their default algorithm from the key', () => {
    expect(signingKey(ec.privateKey).alg).toBe('ES256');
    expect(signingKey(rsa.privateKeyPem).alg).toBe('RS256');
    expect(signingKey(rsa.privateKey, 'PS256').alg).toBe('PS256');
    expect(signingKey(ec.cryptoKey).alg).toBe('ES256');
    expect(signingKey(rsa.cryptoKey).alg).toBe('RS256');
    expect(signingKey(pss.cryptoKey).alg).toBe('PS256');
    expect(signingKey(pss.cryptoKey).key).toBe(pss.cryptoKey);
  });

  it('refuse public keys, unknown inputs and algorithms', () => {
    expect(() => signingKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toThrow(
      /private key/,
    );
    expect(() => signingKey(42 as unknown as string)).toThrow(/KeyObject, a CryptoKey or a PEM/);
    expect(() => signingKey(ec.privateKey, 'none' as 'ES256')).toThrow(/alg: must be one of/);
    expect(() => signingKey(ec.cryptoKey, 'RS256')).toThrow(/signs ES256, not RS256/);
  });

  it('read the certificate from PEM (first block) or DER, and refuse anything else', () => {
    const der = Buffer.from(ec.certificateDer);
    expect(Buffer.from(readCertificate(ec.certificatePem).der)).toEqual(der);
    expect(Buffer.from(readCertificate(`${ec.certificatePem}\n${rsa.certificatePem}`).der)).toEqual(der);
    expect(Buffer.from(readCertificate(ec.certificateDer).der)).toEqual(der);
    expect(() => readCertificate('nonsense')).toThrow(/certificate: not a PEM or DER/);
    expect(() => readCertificate(new Uint8Array([1, 2, 3]))).toThrow(TypeError);
  });

  it('parse x5c DER exactly: no trailing bytes, no PEM', () => {
    const der = Buffer.from(ec.certificateDer);
    expect(parseDerCertificate(ec.certificateDer)?.raw.equals(der)).toBe(true);
    expect(parseDerCertificate(Buffer.concat([der, Buffer.from([0x00])]))).toBeUndefined();
    expect(parseDerCertificate(Buffer.from(ec.certificatePem))).toBeUndefined();
    expect(parseDerCertificate(new Uint8Array())).toBeUndefined();
  });
});
