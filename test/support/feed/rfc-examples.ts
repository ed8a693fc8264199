/**
 * Test material from RFC 9421 Appendix B (HTTP Message Signatures), RFC 9530 (Digest Fields) and
 * RFC 7638 (JWK Thumbprint), verbatim, for signing.test.ts and content-digest.test.ts. Not used at
 * run time. The keys are the RFCs' published test keys: never trust them for anything.
 */

/** B.1.1 test-key-rsa (public half): RSASSA-PKCS1-v1_5, PKCS#1 PEM. */
export const TEST_KEY_RSA_PUBLIC = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----`;

/** B.1.2 test-key-rsa-pss (public half): SPKI PEM. */
export const TEST_KEY_RSA_PSS_PUBLIC = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----`;

/** B.1.3 test-key-ecc-p256: ECDSA P-256, the feed's algorithm. */
export const TEST_KEY_ECC_P256_PUBLIC = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----`;
export const TEST_KEY_ECC_P256_PRIVATE = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFKbhfNZfpDsW43+0+JjUr9K+bTeuxopu653+hBaXGA7oAoGCCqGSM49
AwEHoUQDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM
4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END EC PRIVATE KEY-----`;

/** B.1.4 test-key-ed25519. */
export const TEST_KEY_ED25519_PUBLIC = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`;
export const TEST_KEY_ED25519_PRIVATE = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`;

/** B.1.5 test-shared-secret (base64). */
export const TEST_SHARED_SECRET =
  'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==';

/** B.2 test-request (its content is `{"hello": "world"}`). */
export const TEST_REQUEST = {
  method: 'POST',
  url: 'http://example.com/foo?param=Value&Pet=dog',
  headers: {
    Host: 'example.com',
    Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'Content-Type': 'application/json',
    'Content-Digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'Content-Length': '18',
  } as Record<string, string>,
  body: '{"hello": "world"}',
};

/** B.2 test-response (its content is `{"message": "good dog"}`). */
export const TEST_RESPONSE = {
  status: 200,
  headers: {
    Date: 'Tue, 20 Apr 2021 02:07:56 GMT',
    'Content-Type': 'application/json',
    'Content-Digest':
      'sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:',
    'Content-Length': '23',
  } as Record<string, string>,
  body: '{"message": "good dog"}',
};

export interface SignatureExample {
  label: string;
  keyid: string;
  /** Covered components, as in Signature-Input. */
  components: string[];
  signatureInput: string;
  signature: string;
  /** The signature base the RFC prints (RFC 8792 line wrapping undone). */
  base: string;
}

const PSS_PARAMS = 'created=1618884473;keyid="test-key-rsa-pss"';

/** B.2.1 Minimal Signature Using rsa-pss-sha512. */
export const B21: SignatureExample = {
  label: 'sig-b21',
  keyid: 'test-key-rsa-pss',
  components: [],
  signatureInput: `sig-b21=();${PSS_PARAMS};nonce="b3k2pp5k7z-50gnwp.yemd"`,
  signature:
    'sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:',
  base: `"@signature-params": ();${PSS_PARAMS};nonce="b3k2pp5k7z-50gnwp.yemd"`,
};

/** B.2.2 Selective Covered Components Using rsa-pss-sha512. */
export const B22: SignatureExample = {
  label: 'sig-b22',
  keyid: 'test-key-rsa-pss',
  components: ['@authority', 'content-digest', '@query-param;name="Pet"'],
  signatureInput: `sig-b22=("@authority" "content-digest" "@query-param";name="Pet");${PSS_PARAMS};tag="header-example"`,
  signature:
    'sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:',
  base: [
    '"@authority": example.com',
    `"content-digest": ${TEST_REQUEST.headers['Content-Digest']}`,
    '"@query-param";name="Pet": dog',
    `"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");${PSS_PARAMS};tag="header-example"`,
  ].join('\n'),
};

/** B.2.3 Full Coverage Using rsa-pss-sha512. */
export const B23: SignatureExample = {
  label: 'sig-b23',
  keyid: 'test-key-rsa-pss',
  components: [
    'date',
    '@method',
    '@path',
    '@query',
    '@authority',
    'content-type',
    'content-digest',
    'content-length',
  ],
  signatureInput: `sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");${PSS_PARAMS}`,
  signature:
    'sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:',
  base: [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@method": POST',
    '"@path": /foo',
    '"@query": ?param=Value&Pet=dog',
    '"@authority": example.com',
    '"content-type": application/json',
    `"content-digest": ${TEST_REQUEST.headers['Content-Digest']}`,
    '"content-length": 18',
    `"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");${PSS_PARAMS}`,
  ].join('\n'),
};

/** B.2.4 Signing a Response Using ecdsa-p256-sha256. */
export const B24: SignatureExample = {
  label: 'sig-b24',
  keyid: 'test-key-ecc-p256',
  components: ['@status', 'content-type', 'content-digest', 'content-length'],
  signatureInput:
    'sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"',
  signature:
    'sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:',
  base: [
    '"@status": 200',
    '"content-type": application/json',
    `"content-digest": ${TEST_RESPONSE.headers['Content-Digest']}`,
    '"content-length": 23',
    '"@signature-params": ("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"',
  ].join('\n'),
};

/** B.2.5 Signing a Request Using hmac-sha256 (deterministic). */
export const B25: SignatureExample = {
  label: 'sig-b25',
  keyid: 'test-shared-secret',
  components: ['date', '@authority', 'content-type'],
  signatureInput:
    'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
  signature: 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:',
  base: [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@authority": example.com',
    '"content-type": application/json',
    '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
  ].join('\n'),
};

/** B.2.6 Signing a Request Using ed25519 (deterministic). */
export const B26: SignatureExample = {
  label: 'sig-b26',
  keyid: 'test-key-ed25519',
  components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
  signatureInput:
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
  signature:
    'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
  base: [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@method": POST',
    '"@path": /foo',
    '"@authority": example.com',
    '"content-type": application/json',
    '"content-length": 18',
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
  ].join('\n'),
};

/** RFC 9421 examples are created at this instant. */
export const RFC_9421_CREATED = new Date(1618884473 * 1000);

/** RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
export const RFC_7638_JWK = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
export const RFC_7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
