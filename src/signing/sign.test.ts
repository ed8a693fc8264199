import { generateKeyPairSync, type webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  copy,
  type Json,
  makeSigner,
  type TestBundle,
  type TestSigner,
  unsignedOrder,
} from '../../test/support/signing/material.js';
import { attachSignature, readSignature } from './carrier.js';
import { SigningError } from './errors.js';
import { payloadDigest, signingPayload } from './payload.js';
import { isSignatureProvenance, type SignatureAlgorithm } from './scheme.js';
import { signPayloadBytes, signPrescription } from './sign.js';
import { verifyBundleSignature } from './verify.js';

const REQUESTER = 'urn:uuid:56166769-c1c4-4d07-afa8-132b5dfca666';
const ITEMS = [
  'urn:uuid:a54219b8-f741-4c47-b662-e4f8dfa49ab6',
  'urn:uuid:6989b7bd-8db6-428c-a593-4022e3044c00',
  'urn:uuid:2868554c-5565-4d31-b92a-c5b8dab8b90a',
  'urn:uuid:5cb17f5a-11ac-4e18-825f-6470467238b3',
];
const SIG_T = '2024-05-01T09:30:00Z';

const signers = {} as Record<SignatureAlgorithm, TestSigner>;
beforeAll(async () => {
  for (const alg of ['ES256', 'PS256', 'RS256'] as const) signers[alg] = await makeSigner(alg);
});

function signatureEntries(bundle: TestBundle): Json[] {
  return bundle.entry.filter((entry) => isSignatureProvenance(entry.resource));
}

function decodeHeader(jws: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8'));
}

describe.each(['ES256', 'PS256', 'RS256'] as const)('signing the EPS prescription-order with %s', (alg) => {
  it('makes a Bundle that verifies, naming the requester and this certificate', async () => {
    const signer = signers[alg];
    const order = unsignedOrder();
    const signed = await signPrescription(order, {
      privateKey: signer.privateKey,
      certificate: signer.certificatePem,
      alg,
      sigT: SIG_T,
    });
    const verified = await verifyBundleSignature(signed);
    expect(verified.alg).toBe(alg);
    expect(verified.sigT.toISOString()).toBe('2024-05-01T09:30:00.000Z');
    expect(Buffer.from(verified.leafCertificateDer)).toEqual(Buffer.from(signer.certificateDer));
    expect(verified.chainDer).toEqual([]);
    expect(verified.who).toBe(REQUESTER);
    expect(verified.payloadDigest).toBe(payloadDigest(order));
  });

  it('writes exactly the header and the carrier the contract defines', async () => {
    const signer = signers[alg];
    const signed = await signPrescription(unsignedOrder(), {
      privateKey: signer.privateKey,
      certificate: signer.certificateDer,
      sigT: SIG_T,
      ...(alg === 'PS256' ? { alg } : {}),
    });
    const [entry] = signatureEntries(signed);
    expect(entry.fullUrl).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const carrier = readSignature(signed)!;
    expect(carrier.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    expect(entry.resource).toEqual({
      resourceType: 'Provenance',
      target: ITEMS.map((reference) => ({ reference })),
      recorded: SIG_T,
      agent: [{ who: { reference: REQUESTER } }],
      signature: [
        {
          type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
          when: SIG_T,
          who: { reference: REQUESTER },
          sigFormat: 'application/jose',
          data: Buffer.from(carrier.jws, 'utf8').toString('base64'),
        },
      ],
    });
    const header = decodeHeader(carrier.jws);
    expect(Object.keys(header).sort()).toEqual(['alg', 'crit', 'sigT', 'x5c']);
    expect(header).toEqual({
      alg, // ES256 and RS256 here come from the key type
      x5c: [Buffer.from(signer.certificateDer).toString('base64')],
      sigT: SIG_T,
      crit: ['sigT'],
    });
  });

  it('signs with a KeyObject, a non-extractable CryptoKey or PEM, and a PEM or DER certificate', async () => {
    const signer = signers[alg];
    for (const privateKey of [signer.privateKey, signer.cryptoKey, signer.privateKeyPem]) {
      for (const certificate of [signer.certificatePem, signer.certificateDer]) {
        const signed = await signPrescription(unsignedOrder(), { privateKey, certificate, alg });
        await expect(verifyBundleSignature(signed)).resolves.toMatchObject({ alg });
      }
    }
  });
});

describe('signPrescription', () => {
  it('takes the algorithm from the key when none is given', async () => {
    const defaultAlg = async (
      privateKey: TestSigner['privateKey'] | webcrypto.CryptoKey,
      signer: TestSigner,
    ) =>
      (
        await verifyBundleSignature(
          await signPrescription(unsignedOrder(), { privateKey, certificate: signer.certificatePem }),
        )
      ).alg;
    expect(await defaultAlg(signers.ES256.privateKey, signers.ES256)).toBe('ES256');
    expect(await defaultAlg(signers.RS256.privateKey, signers.RS256)).toBe('RS256');
    expect(await defaultAlg(signers.PS256.cryptoKey, signers.PS256)).toBe('PS256');
  });

  it('does not change the Bundle it is given', async () => {
    const order = unsignedOrder();
    const before = JSON.stringify(order);
    await signPrescription(Object.freeze(order), {
      privateKey: signers.ES256.privateKey,
      certificate: signers.ES256.certificatePem,
    });
    expect(JSON.stringify(order)).toBe(before);
  });

  it('replaces an existing signature Provenance in place (the fixture\u2019s XML-DSig one, or its own)', async () => {
    const signer = signers.ES256;
    const options = { privateKey: signer.privateKey, certificate: signer.certificatePem };
    const withXmlDsig = unsignedOrder();
    const fixtureProvenance = {
      fullUrl: 'urn:uuid:28828c55-8fa7-42d7-916f-fcf076e0c10e',
      resource: {
        resourceType: 'Provenance',
        signature: [
          {
            type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
            data: 'PFNpZ25hdHVyZS8+',
          },
        ],
      },
    };
    withXmlDsig.entry.splice(3, 0, fixtureProvenance);
    const once = await signPrescription(withXmlDsig, options);
    const twice = await signPrescription(once, { ...options, sigT: '2024-05-01T10:00:00Z' });
    for (const signed of [once, twice]) {
      expect(signatureEntries(signed)).toHaveLength(1);
      expect(signed.entry).toHaveLength(withXmlDsig.entry.length);
      expect(readSignature(signed)?.entryIndex).toBe(3);
      await expect(verifyBundleSignature(signed)).resolves.toBeDefined();
    }
    expect(readSignature(twice)?.when).toBe('2024-05-01T10:00:00Z');
  });

  it('writes sigT in UTC, the same in the header, when and recorded', async () => {
    const signer = signers.ES256;
    const signed = await signPrescription(unsignedOrder(), {
      privateKey: signer.privateKey,
      certificate: signer.certificatePem,
      sigT: '2024-05-01T10:30:00.250+01:00',
    });
    const carrier = readSignature(signed)!;
    expect(decodeHeader(carrier.jws).sigT).toBe('2024-05-01T09:30:00.250Z');
    expect(carrier.when).toBe('2024-05-01T09:30:00.250Z');
    expect(carrier.provenance.recorded).toBe('2024-05-01T09:30:00.250Z');
  });

  it('names another signer when asked', async () => {
    const signer = signers.ES256;
    const signed = await signPrescription(unsignedOrder(), {
      privateKey: signer.privateKey,
      certificate: signer.certificatePem,
      who: 'PractitionerRole/abc',
    });
    expect((await verifyBundleSignature(signed)).who).toBe('PractitionerRole/abc');
    expect(readSignature(signed)?.provenance.agent).toEqual([{ who: { reference: 'PractitionerRole/abc' } }]);
  });

  it('refuses a Bundle without MedicationRequests or without a requester to name', async () => {
    const options = { privateKey: signers.ES256.privateKey, certificate: signers.ES256.certificatePem };
    const noItems = copy(unsignedOrder());
    noItems.entry = noItems.entry.filter((entry) => entry.resource?.resourceType !== 'MedicationRequest');
    await expect(signPrescription(noItems, { ...options, who: REQUESTER })).rejects.toThrow(SigningError);
    const noRequester = copy(unsignedOrder());
    for (const entry of noRequester.entry) delete entry.resource.requester;
    await expect(signPrescription(noRequester, options)).rejects.toThrow(/pass `who`/);
    await expect(signPrescription(noRequester, { ...options, who: REQUESTER })).resolves.toBeDefined();
  });

  it('refuses keys that do not fit the algorithm or the certificate', async () => {
    const { ES256, RS256 } = signers;
    const order = unsignedOrder();
    const sign = (options: Parameters<typeof signPrescription>[1]) => signPrescription(order, options);
    await expect(
      sign({ privateKey: RS256.privateKey, certificate: RS256.certificatePem, alg: 'ES256' }),
    ).rejects.toThrow(/ES256 needs an EC P-256 key/);
    await expect(
      sign({ privateKey: ES256.privateKey, certificate: ES256.certificatePem, alg: 'RS256' }),
    ).rejects.toThrow(/RS256 needs an RSA key/);
    await expect(sign({ privateKey: ES256.privateKey, certificate: RS256.certificatePem })).rejects.toThrow(
      TypeError,
    );
    const otherEc = await makeSigner('ES256');
    await expect(sign({ privateKey: ES256.privateKey, certificate: otherEc.certificatePem })).rejects.toThrow(
      /certifies another key/,
    );
    await expect(
      sign({ privateKey: signers.PS256.cryptoKey, certificate: signers.PS256.certificatePem, alg: 'RS256' }),
    ).rejects.toThrow(/signs PS256, not RS256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    await expect(sign({ privateKey: p384, certificate: ES256.certificatePem })).rejects.toThrow(/P-256/);
    const small = await makeSigner('RS256', 1024);
    await expect(sign({ privateKey: small.privateKey, certificate: small.certificatePem })).rejects.toThrow(
      /2048/,
    );
    await expect(
      sign({
        privateKey: ES256.privateKey,
        certificate: ES256.certificatePem,
        alg: 'HS256' as SignatureAlgorithm,
      }),
    ).rejects.toThrow(/alg: must be one of ES256, PS256, RS256/);
    await expect(sign({ privateKey: 'not a key', certificate: ES256.certificatePem })).rejects.toThrow(
      /PEM private key/,
    );
    await expect(sign({ privateKey: ES256.privateKey, certificate: 'not a certificate' })).rejects.toThrow(
      /X.509/,
    );
    await expect(
      sign({ privateKey: ES256.privateKey, certificate: ES256.certificatePem, sigT: 'soon' }),
    ).rejects.toThrow(/sigT/);
  });
});

describe('signing in two steps ($prepare payload, then the JWS)', () => {
  it('gives a JWS that, attached to the Bundle, verifies', async () => {
    const signer = signers.RS256;
    const order = unsignedOrder();
    const signed = await signPayloadBytes(signingPayload(order), {
      privateKey: signer.privateKeyPem,
      certificate: signer.certificatePem,
      sigT: SIG_T,
    });
    expect(signed).toMatchObject({ alg: 'RS256', sigT: SIG_T });
    expect(signed.jws.split('.')[1]).toBe('');
    const bundle = attachSignature(order, signed.jws);
    await expect(verifyBundleSignature(bundle)).resolves.toMatchObject({ alg: 'RS256', who: REQUESTER });
  });

  it('refuses to attach something that is not a detached JWS of this scheme', () => {
    expect(() => attachSignature(unsignedOrder(), 'not-a-jws')).toThrow(/compact JWS/);
  });
});
