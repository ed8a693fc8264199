/**
 * Test material for the signing tests: keys and self-signed certificates made on the spot, the
 * EPS prescription-order fixture without its XML-DSig signature, and a raw JWS maker that signs
 * any header (so a test can prove the header check, not the signature check, refuses it).
 */
import 'reflect-metadata';
import {
  generateKeyPairSync,
  type KeyObject,
  constants as nodeCrypto,
  sign as nodeSign,
  webcrypto,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { expect } from 'vitest';
import { signatureProvenance } from '../../../src/signing/carrier.js';
import { SignatureError } from '../../../src/signing/errors.js';
import { signingPayload } from '../../../src/signing/payload.js';
import type { SignatureAlgorithm } from '../../../src/signing/scheme.js';
import { verifyBundleSignature } from '../../../src/signing/verify.js';

export const REQUESTER = 'urn:uuid:56166769-c1c4-4d07-afa8-132b5dfca666';
export const SIG_T = '2024-05-01T09:30:00Z';

x509.cryptoProvider.set(webcrypto);

// biome-ignore lint/suspicious/noExplicitAny: tests reach into FHIR JSON freely to tamper with it
export type Json = any;

/** A parsed FHIR Bundle, open to tampering. */
export interface TestBundle {
  resourceType: 'Bundle';
  entry: Json[];
  [element: string]: Json;
}

export interface TestSigner {
  alg: SignatureAlgorithm;
  privateKey: KeyObject;
  /** The same key as a non-extractable WebCrypto key for `alg`. */
  cryptoKey: webcrypto.CryptoKey;
  privateKeyPem: string;
  certificatePem: string;
  certificateDer: Uint8Array;
}

const WEBCRYPTO: Record<SignatureAlgorithm, webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};

function keyPair(alg: SignatureAlgorithm, rsaBits: number) {
  return alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: rsaBits });
}

/** A key pair for `alg` and a self-signed certificate for it (RSA of `rsaBits`, default 2048). */
export async function makeSigner(alg: SignatureAlgorithm, rsaBits = 2048): Promise<TestSigner> {
  const { privateKey, publicKey } = keyPair(alg, rsaBits);
  const params = WEBCRYPTO[alg];
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const cryptoKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, params, false, ['sign']);
  const publicCryptoKey = await webcrypto.subtle.importKey(
    'spki',
    publicKey.export({ type: 'spki', format: 'der' }),
    params,
    true,
    ['verify'],
  );
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c3d',
    name: `CN=Test prescriber ${alg}, O=Pathways tests`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    keys: { privateKey: cryptoKey, publicKey: publicCryptoKey },
    signingAlgorithm: alg === 'PS256' ? { ...params, saltLength: 32 } : { ...params, hash: 'SHA-256' },
  });
  return {
    alg,
    privateKey,
    cryptoKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certificatePem: certificate.toString('pem'),
    certificateDer: new Uint8Array(certificate.rawData),
  };
}

/** The EPS prescription-order example with its XML-DSig Provenance entry removed. */
export function unsignedOrder(): TestBundle {
  const bundle = epsOrderFixture();
  bundle.entry = bundle.entry.filter((entry) => entry.resource.resourceType !== 'Provenance');
  return bundle;
}

/** The EPS prescription-order example as published, XML-DSig Provenance included. */
export function epsOrderFixture(): TestBundle {
  const url = new URL('../../fixtures/eps/prescription-order.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as TestBundle;
}

/** The first entry whose resource has this type. */
export function entryOf(bundle: TestBundle, resourceType: string): Json {
  return bundle.entry.find((entry) => entry.resource?.resourceType === resourceType);
}

/** A deep copy to tamper with. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

function b64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

/**
 * A compact JWS over `payload` with any `header` JSON (passed as text, so tests can write what a
 * library would refuse), signed for real with `key` as `alg` says; the payload part is left out
 * unless `attachPayload`.
 */
export function rawJws(
  headerJson: string,
  payload: Uint8Array,
  key: KeyObject,
  alg: SignatureAlgorithm,
  options: { attachPayload?: boolean } = {},
): string {
  const encodedHeader = b64url(headerJson);
  const encodedPayload = b64url(payload);
  const input = Buffer.from(`${encodedHeader}.${encodedPayload}`);
  const signature =
    alg === 'ES256'
      ? nodeSign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })
      : alg === 'PS256'
        ? nodeSign('sha256', input, { key, padding: nodeCrypto.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        : nodeSign('sha256', input, key);
  return `${encodedHeader}.${options.attachPayload ? encodedPayload : ''}.${b64url(signature)}`;
}

/** Reorders every object's keys (reversed) all the way down: same JSON value, different text. */
export function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reverseKeys(inner)]),
  );
}

/** One signer per algorithm. */
export async function makeSigners(): Promise<Record<SignatureAlgorithm, TestSigner>> {
  const [ES256, PS256, RS256] = await Promise.all([
    makeSigner('ES256'),
    makeSigner('PS256'),
    makeSigner('RS256'),
  ]);
  return { ES256, PS256, RS256 };
}

/** The SignatureError verifyBundleSignature throws; fails the test when it verifies. */
export async function refusal(bundle: unknown): Promise<SignatureError> {
  try {
    await verifyBundleSignature(bundle);
  } catch (error) {
    if (error instanceof SignatureError) return error;
    throw error;
  }
  throw new Error('the signature verified');
}

export async function expectInvalid(bundle: unknown, message: RegExp): Promise<SignatureError> {
  const error = await refusal(bundle);
  expect(error.code).toBe('INVALID_SIGNATURE');
  expect(error.message).toMatch(message);
  return error;
}

/** The unsigned order carrying `jws` in a signature Provenance built by hand; `when` omitted unless given. */
export function carrying(jws: string, when?: string): TestBundle {
  const bundle = unsignedOrder();
  const entry = signatureProvenance({ jws, sigT: when ?? SIG_T, who: REQUESTER, targets: [] });
  if (when === undefined) delete entry.resource.signature[0]!.when;
  bundle.entry.push(entry);
  return bundle;
}

/** A detached JWS with `header` (an object or raw JSON text), really signed over the order's payload by `by`. */
export function detachedJws(header: Json | string, by: TestSigner, alg: SignatureAlgorithm = by.alg): string {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  return rawJws(text, signingPayload(unsignedOrder()), by.privateKey, alg);
}

/** The header the scheme asks for, for `signer`'s certificate. */
export function schemeHeader(signer: TestSigner): Json {
  return {
    alg: signer.alg,
    x5c: [Buffer.from(signer.certificateDer).toString('base64')],
    sigT: SIG_T,
    crit: ['sigT'],
  };
}
