import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  carrying,
  detachedJws,
  expectInvalid,
  type Json,
  makeSigner,
  makeSigners,
  rawJws,
  SIG_T,
  schemeHeader,
  type TestSigner,
  unsignedOrder,
} from '../../test/support/signing/material.js';
import { signingPayload } from './payload.js';
import type { SignatureAlgorithm } from './scheme.js';
import { verifyBundleSignature } from './verify.js';

// Each JWS here is really signed, so what refuses it is the check named, not a bad signature.
let signers: Record<SignatureAlgorithm, TestSigner>;
beforeAll(async () => {
  signers = await makeSigners();
});

const goodHeader = (signer: TestSigner = signers.ES256): Json => schemeHeader(signer);
const jwsWith = (header: Json | string, by: TestSigner = signers.ES256): string => detachedJws(header, by);

describe('verifyBundleSignature: the JWS and its protected header must be exactly the scheme\u2019s', () => {
  it('payload part not empty', async () => {
    const attached = rawJws(
      JSON.stringify(goodHeader()),
      signingPayload(unsignedOrder()),
      signers.ES256.privateKey,
      'ES256',
      {
        attachPayload: true,
      },
    );
    await expectInvalid(carrying(attached, SIG_T), /payload part must be empty/);
  });

  it('not three parts', async () => {
    const [header, , signature] = jwsWith(goodHeader()).split('.');
    await expectInvalid(carrying(`${header}.${signature}`), /compact JWS/);
    await expectInvalid(carrying(`${header}...${signature}`), /compact JWS/);
    await expectInvalid(carrying('{"alg":"ES256"}'), /compact JWS/);
  });

  it('alg none, with or without a signature', async () => {
    const none = { ...goodHeader(), alg: 'none' };
    const encoded = Buffer.from(JSON.stringify(none)).toString('base64url');
    await expectInvalid(carrying(`${encoded}..`), /alg must be one of ES256, PS256, RS256, not "none"/);
    await expectInvalid(carrying(jwsWith(none)), /alg must be one of/);
  });

  it('HS256, even with a correct MAC', async () => {
    const header = { ...goodHeader(), alg: 'HS256' };
    const encoded = Buffer.from(JSON.stringify(header)).toString('base64url');
    const input = `${encoded}.${Buffer.from(signingPayload(unsignedOrder())).toString('base64url')}`;
    const mac = createHmac('sha256', Buffer.from(signers.ES256.certificateDer))
      .update(input)
      .digest('base64url');
    await expectInvalid(carrying(`${encoded}..${mac}`), /not "HS256"/);
  });

  it('ES384 and other algorithms outside the three', async () => {
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), alg: 'ES384' })), /not "ES384"/);
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), alg: 'es256' })), /not "es256"/);
  });

  it('crit missing, empty, without sigT, or with more than sigT', async () => {
    const { crit: _crit, ...noCrit } = goodHeader();
    await expectInvalid(carrying(jwsWith(noCrit)), /lacks crit/);
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), crit: [] })), /crit must be exactly \["sigT"\]/);
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), crit: ['alg'] })), /crit must be exactly/);
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), crit: 'sigT' })), /crit must be exactly/);
    await expectInvalid(
      carrying(jwsWith({ ...goodHeader(), crit: ['sigT', 'sigT'] })),
      /crit must be exactly/,
    );
    await expectInvalid(
      carrying(jwsWith({ ...goodHeader(), crit: ['sigT', 'alg'] })),
      /crit must be exactly/,
    );
  });

  it('members other than alg, x5c, sigT and crit', async () => {
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), kid: 'k1' })), /does not allow: kid/);
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), b64: false })), /does not allow: b64/);
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), typ: 'JOSE', x5u: 'https://x' })), /typ, x5u/);
  });

  it('a header that is not base64url JSON', async () => {
    const signature = jwsWith(goodHeader()).split('.')[2];
    await expectInvalid(carrying(`..${signature}`), /not base64url/);
    await expectInvalid(carrying(`e30=..${signature}`), /not base64url/);
    await expectInvalid(
      carrying(`${Buffer.from('[1]').toString('base64url')}..${signature}`),
      /not a JSON object/,
    );
    await expectInvalid(carrying(`${Buffer.from('{alg').toString('base64url')}..${signature}`), /not JSON/);
    await expectInvalid(
      carrying(`${Buffer.from([0xff, 0xfe]).toString('base64url')}..${signature}`),
      /UTF-8/,
    );
  });

  it('alg not matching the key in x5c[0]', async () => {
    const rsaCert = goodHeader(signers.RS256).x5c;
    await expectInvalid(carrying(jwsWith({ ...goodHeader(), x5c: rsaCert })), /ES256 needs an EC P-256 key/);
    await expectInvalid(
      carrying(jwsWith({ ...goodHeader(signers.RS256), x5c: goodHeader().x5c }, signers.RS256)),
      /RS256 needs an RSA key, not an EC prime256v1 key/,
    );
    const small = await makeSigner('RS256', 1024);
    await expectInvalid(carrying(jwsWith(goodHeader(small), small)), /at least 2048 bits/);
  });

  it('x5c missing or garbage', async () => {
    const { x5c: _x5c, ...noX5c } = goodHeader();
    await expectInvalid(carrying(jwsWith(noX5c)), /lacks x5c/);
    const der = Buffer.from(signers.ES256.certificateDer);
    const pemBody = signers.ES256.certificatePem.replace(/-----[A-Z ]+-----/g, '').trim();
    const garbage: [unknown, RegExp][] = [
      [[], /one or more/],
      [der.toString('base64'), /one or more/],
      [['garbage!'], /x5c\[0\] is not a base64/],
      [[1234], /x5c\[0\]/],
      [[Buffer.from('not a certificate').toString('base64')], /x5c\[0\]/],
      [[Buffer.concat([der, Buffer.from([0])]).toString('base64')], /x5c\[0\]/],
      [[der.subarray(0, der.length - 1).toString('base64')], /x5c\[0\]/],
      [[pemBody], /x5c\[0\]/],
      [[Buffer.from(signers.ES256.certificatePem).toString('base64')], /x5c\[0\]/],
      [[der.toString('base64'), 'garbage'], /x5c\[1\]/],
    ];
    for (const [x5c, message] of garbage)
      await expectInvalid(carrying(jwsWith({ ...goodHeader(), x5c })), message);
  });

  it('x5c naming a certificate for another key', async () => {
    const other = await makeSigner('ES256');
    await expectInvalid(carrying(jwsWith(goodHeader(other))), /does not verify/);
  });

  it('sigT missing or not an RFC 3339 date-time', async () => {
    const { sigT: _sigT, ...noSigT } = goodHeader();
    await expectInvalid(carrying(jwsWith(noSigT)), /lacks sigT/);
    for (const sigT of [
      'garbage',
      '',
      '2024-05-01',
      '2024-05-01T09:30:00',
      '2024-02-30T09:30:00Z',
      1714555800,
      null,
    ]) {
      await expectInvalid(carrying(jwsWith({ ...goodHeader(), sigT })), /sigT must be an RFC 3339 date-time/);
    }
  });

  it('a signature that is altered or not base64url', async () => {
    const [header, , signature] = jwsWith(goodHeader()).split('.') as [string, string, string];
    const flipped = Buffer.from(signature, 'base64url');
    flipped[10] = flipped[10]! ^ 1;
    await expectInvalid(carrying(`${header}..${flipped.toString('base64url')}`), /does not verify/);
    await expectInvalid(carrying(`${header}..${signature}!`), /does not verify/);
    await expectInvalid(carrying(`${header}..`), /does not verify/);
  });

  it('a JWS signed by another key than the certificate\u2019s', async () => {
    const other = await makeSigner('ES256');
    await expectInvalid(
      carrying(
        rawJws(JSON.stringify(goodHeader()), signingPayload(unsignedOrder()), other.privateKey, 'ES256'),
      ),
      /does not verify/,
    );
  });

  it('returns the certificates after the leaf as the chain', async () => {
    const leaf = goodHeader().x5c[0];
    const issuer = goodHeader(signers.RS256).x5c[0];
    const verified = await verifyBundleSignature(carrying(jwsWith({ ...goodHeader(), x5c: [leaf, issuer] })));
    expect(verified.chainDer.map((der) => Buffer.from(der))).toEqual([
      Buffer.from(signers.RS256.certificateDer),
    ]);
  });
});
