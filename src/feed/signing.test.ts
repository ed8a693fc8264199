import {
  createPrivateKey,
  createPublicKey,
  createVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { createSigner, createVerifier, httpbis, type Request, type Response } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import {
  B21,
  B22,
  B23,
  B24,
  B25,
  B26,
  RFC_9421_CREATED,
  type SignatureExample,
  TEST_KEY_ECC_P256_PRIVATE,
  TEST_KEY_ECC_P256_PUBLIC,
  TEST_KEY_ED25519_PRIVATE,
  TEST_KEY_ED25519_PUBLIC,
  TEST_KEY_RSA_PSS_PUBLIC,
  TEST_KEY_RSA_PUBLIC,
  TEST_REQUEST,
  TEST_RESPONSE,
  TEST_SHARED_SECRET,
} from '../../test/support/feed/rfc-examples.js';
import { contentDigest } from './content-digest.js';
import { keyIdOf } from './feed-key.js';
import {
  COVERED_COMPONENTS,
  SIGNATURE_ALG,
  signFeedRequest,
  signMessage,
  verifyFeedSignature,
  verifyMessage,
} from './signing.js';

const rsaPss = createPublicKey(TEST_KEY_RSA_PSS_PUBLIC);
const eccPublic = createPublicKey(TEST_KEY_ECC_P256_PUBLIC);
const eccPrivate = createPrivateKey(TEST_KEY_ECC_P256_PRIVATE);
const edPrivate = createPrivateKey(TEST_KEY_ED25519_PRIVATE);
const edPublic = createPublicKey(TEST_KEY_ED25519_PUBLIC);
const secret = Buffer.from(TEST_SHARED_SECRET, 'base64');

function request(example?: SignatureExample): Request {
  const headers: Record<string, string> = { ...TEST_REQUEST.headers };
  if (example) {
    headers['Signature-Input'] = example.signatureInput;
    headers.Signature = example.signature;
  }
  return { method: TEST_REQUEST.method, url: TEST_REQUEST.url, headers };
}

function response(example?: SignatureExample): Response {
  const headers: Record<string, string> = { ...TEST_RESPONSE.headers };
  if (example) {
    headers['Signature-Input'] = example.signatureInput;
    headers.Signature = example.signature;
  }
  return { status: TEST_RESPONSE.status, headers };
}

/** The library's signature base for an example, with the RFC's own `@signature-params` line. */
function baseOf(example: SignatureExample, message: Request | Response): string {
  const base = httpbis.createSignatureBase({ fields: example.components }, message as Request);
  const params = example.signatureInput.slice(example.label.length + 1);
  return httpbis.formatSignatureBase([...base, ['"@signature-params"', [params]]]);
}

function verifyOptions(example: SignatureExample, key: KeyObject | Buffer, alg: string) {
  return {
    label: example.label,
    keyid: example.keyid,
    verifier: { id: example.keyid, algs: [alg], verify: createVerifier(key, alg) },
    // The library matches required components by name, without their parameters.
    requiredComponents: example.components.map((component) => component.split(';')[0]!),
    requiredParams: ['created', 'keyid'],
  };
}

describe('RFC 9421 Appendix B.1 test keys', () => {
  it('B.1.1 and B.1.2 are 2048-bit RSA public keys', () => {
    const rsa = createPublicKey({ key: TEST_KEY_RSA_PUBLIC, format: 'pem', type: 'pkcs1' });
    for (const key of [rsa, rsaPss]) {
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
  });

  it('B.1.3 is a P-256 pair and B.1.4 an Ed25519 pair (each private key derives its public key)', () => {
    expect(eccPublic.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(spki(createPublicKey(eccPrivate))).toBe(spki(eccPublic));
    expect(spki(createPublicKey(edPrivate))).toBe(spki(edPublic));
  });
});

describe('RFC 9421 Appendix B.2 signature bases', () => {
  it.each([
    ['B.2.1', B21],
    ['B.2.2', B22],
    ['B.2.3', B23],
    ['B.2.5', B25],
    ['B.2.6', B26],
  ])('%s: the library builds exactly the RFC signature base over test-request', (_name, example) => {
    expect(baseOf(example, request())).toBe(example.base);
  });

  it('B.2.4: the library builds exactly the RFC signature base over test-response', () => {
    expect(baseOf(B24, response())).toBe(B24.base);
  });
});

describe('RFC 9421 Appendix B.2 verification', () => {
  it('B.2.4: the ecdsa-p256-sha256 response signature verifies under test-key-ecc-p256', async () => {
    const result = await verifyMessage(response(B24), verifyOptions(B24, eccPublic, 'ecdsa-p256-sha256'));
    expect(result).toEqual({ ok: true });
  });

  it('B.2.4: changing a covered field breaks it, and another key does not verify it', async () => {
    const altered = response(B24);
    altered.headers['Content-Length'] = '24';
    expect(await verifyMessage(altered, verifyOptions(B24, eccPublic, SIGNATURE_ALG))).toMatchObject({
      ok: false,
      reason: 'signature does not verify',
    });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(await verifyMessage(response(B24), verifyOptions(B24, other, SIGNATURE_ALG))).toMatchObject({
      ok: false,
    });
  });

  it.each([
    ['B.2.1', B21],
    ['B.2.2', B22],
    ['B.2.3', B23],
  ])('%s: the rsa-pss-sha512 signature verifies under test-key-rsa-pss', async (_name, example) => {
    const result = await verifyMessage(request(example), verifyOptions(example, rsaPss, 'rsa-pss-sha512'));
    expect(result).toEqual({ ok: true });
  });

  it('B.2.5: hmac-sha256 is deterministic: signing test-request gives the RFC value, which verifies', async () => {
    const signed = await signMessage(request(), {
      label: B25.label,
      key: createSigner(secret, 'hmac-sha256', B25.keyid),
      components: B25.components,
      params: ['created', 'keyid'],
      created: RFC_9421_CREATED,
    });
    expect(signed.headers['Signature-Input']).toBe(B25.signatureInput);
    expect(signed.headers.Signature).toBe(B25.signature);
    expect(await verifyMessage(request(B25), verifyOptions(B25, secret, 'hmac-sha256'))).toEqual({
      ok: true,
    });
  });

  it('B.2.6: ed25519 is deterministic: signing test-request gives the RFC value, which verifies', async () => {
    const signed = await signMessage(request(), {
      label: B26.label,
      key: createSigner(edPrivate, 'ed25519', B26.keyid),
      components: B26.components,
      params: ['created', 'keyid'],
      created: RFC_9421_CREATED,
    });
    expect(signed.headers['Signature-Input']).toBe(B26.signatureInput);
    expect(signed.headers.Signature).toBe(B26.signature);
    expect(await verifyMessage(request(B26), verifyOptions(B26, edPublic, 'ed25519'))).toEqual({ ok: true });
  });

  it('picks the signature by label: other signatures on the message are ignored', async () => {
    const message = request();
    message.headers['Signature-Input'] = `${B26.signatureInput}, ${B21.signatureInput}`;
    message.headers.Signature = `${B26.signature}, ${B21.signature}`;
    expect(await verifyMessage(message, verifyOptions(B21, rsaPss, 'rsa-pss-sha512'))).toEqual({ ok: true });
    expect(
      await verifyMessage(message, { ...verifyOptions(B21, rsaPss, 'rsa-pss-sha512'), label: 'sig1' }),
    ).toEqual({ ok: false, reason: 'no signature labelled sig1' });
  });

  it('refuses a signature that lacks a required component or parameter', async () => {
    const needsDigest = {
      ...verifyOptions(B21, rsaPss, 'rsa-pss-sha512'),
      requiredComponents: ['content-digest'],
    };
    expect(await verifyMessage(request(B21), needsDigest)).toMatchObject({ ok: false });
    const needsAlg = { ...verifyOptions(B21, rsaPss, 'rsa-pss-sha512'), requiredParams: ['alg'] };
    expect(await verifyMessage(request(B21), needsAlg)).toMatchObject({ ok: false });
  });
});

describe('the feed request signature', () => {
  const url = 'https://epms.example/claims/events';
  const body = '{"id":"9b2f3c1e-8a4d-4f6b-9c2d-1e3f5a7b9c0d","type":"claim"}';
  const created = new Date(1_700_000_000_000);

  async function signed() {
    const keyid = await keyIdOf(eccPublic);
    return {
      keyid,
      request: await signFeedRequest(url, body, 'idem-1', { keyid, privateKey: eccPrivate }, created),
    };
  }

  it('covers exactly @method, @target-uri, content-digest and content-type under label sig1', async () => {
    const { keyid, request: feed } = await signed();
    expect(feed.headers['Content-Type']).toBe('application/json');
    expect(feed.headers['Idempotency-Key']).toBe('idem-1');
    expect(feed.headers['Content-Digest']).toBe(contentDigest(body));
    expect(feed.headers['Signature-Input']).toBe(
      `sig1=("@method" "@target-uri" "content-digest" "content-type");created=1700000000;keyid="${keyid}";alg="ecdsa-p256-sha256"`,
    );
    expect(feed.headers.Signature).toMatch(/^sig1=:[A-Za-z0-9+/]{86}==:$/);
    expect(COVERED_COMPONENTS).toEqual(['@method', '@target-uri', 'content-digest', 'content-type']);
  });

  it('is an IEEE P1363 ECDSA signature over the RFC 9421 signature base, checked without the library', async () => {
    const { keyid, request: feed } = await signed();
    const base = [
      '"@method": POST',
      `"@target-uri": ${url}`,
      `"content-digest": ${contentDigest(body)}`,
      '"content-type": application/json',
      `"@signature-params": ("@method" "@target-uri" "content-digest" "content-type");created=1700000000;keyid="${keyid}";alg="ecdsa-p256-sha256"`,
    ].join('\n');
    const signature = Buffer.from(feed.headers.Signature!.slice('sig1=:'.length, -1), 'base64');
    const ok = createVerify('sha256')
      .update(base)
      .verify({ key: eccPublic, dsaEncoding: 'ieee-p1363' }, signature);
    expect(ok).toBe(true);
  });

  it('verifies as the ePMS checks it, and fails on another URL, method, digest or key', async () => {
    const { keyid, request: feed } = await signed();
    const incoming = (changes: Partial<Request> = {}, headers: Record<string, string> = {}): Request => ({
      method: feed.method,
      url: feed.url,
      ...changes,
      headers: { ...feed.headers, ...headers },
    });
    const trusted = { keyid, publicKey: eccPublic };
    // created is in 2023: only the age check fails until we verify a fresh signature.
    expect(await verifyFeedSignature(incoming(), trusted)).toMatchObject({ ok: false, reason: /too old/ });
    const fresh = await signFeedRequest(url, body, 'idem-1', { keyid, privateKey: eccPrivate });
    const now = (changes: Partial<Request> = {}, headers: Record<string, string> = {}): Request => ({
      method: fresh.method,
      url: fresh.url,
      ...changes,
      headers: { ...fresh.headers, ...headers },
    });
    expect(await verifyFeedSignature(now(), trusted)).toEqual({ ok: true });
    expect(await verifyFeedSignature(now({ url: 'https://epms.example/other' }), trusted)).toMatchObject({
      ok: false,
    });
    expect(await verifyFeedSignature(now({ method: 'PUT' }), trusted)).toMatchObject({ ok: false });
    expect(
      await verifyFeedSignature(now({}, { 'Content-Digest': contentDigest('{"id":"other"}') }), trusted),
    ).toMatchObject({ ok: false });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(await verifyFeedSignature(now(), { keyid, publicKey: stranger })).toMatchObject({ ok: false });
    expect(await verifyFeedSignature(now(), { keyid: 'another-key', publicKey: eccPublic })).toMatchObject({
      ok: false,
      keyid,
    });
  });
});
