import { describe, expect, it } from 'vitest';
import { TEST_REQUEST, TEST_RESPONSE } from '../../test/support/feed/rfc-examples.js';
import { contentDigest, parseDigestDictionary, verifyContentDigest } from './content-digest.js';

describe('Content-Digest (RFC 9530)', () => {
  it('gives the RFC 9530 Appendix B sha-256 of {"hello": "world"}', () => {
    expect(contentDigest('{"hello": "world"}')).toBe(
      'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    );
    expect(contentDigest(Buffer.from('{"hello": "world"}'))).toBe(contentDigest('{"hello": "world"}'));
  });

  it('accepts the RFC 9421 test-request and test-response sha-512 digests', () => {
    // The verifier insists on sha-256, so add the one the sender would; sha-512 is still checked.
    const sha256 = (body: string) => contentDigest(body).replace(/^sha-256=/, '');
    for (const { headers, body } of [TEST_REQUEST, TEST_RESPONSE]) {
      const both = `${headers['Content-Digest']}, sha-256=${sha256(body)}`;
      expect(verifyContentDigest(both, body)).toEqual({ ok: true });
      expect(verifyContentDigest(both, `${body} `)).toMatchObject({ ok: false });
    }
  });

  it('accepts the RFC 9530 section 2 example digest of {"hello": "world"} followed by a newline', () => {
    const body = '{"hello": "world"}\n';
    const header = `sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:, ${contentDigest(body)}`;
    expect(verifyContentDigest(header, body)).toEqual({ ok: true });
  });

  it('refuses a missing, malformed, sha-256-less or wrong digest, and ignores unknown algorithms', () => {
    const body = '{"a":1}';
    expect(verifyContentDigest(undefined, body)).toEqual({ ok: false, reason: 'no Content-Digest' });
    expect(verifyContentDigest('sha-256=abc', body)).toMatchObject({ ok: false, reason: /dictionary/ });
    expect(verifyContentDigest('sha-512=:AAAA:', body)).toMatchObject({ ok: false, reason: /no sha-256/ });
    expect(verifyContentDigest(contentDigest('{"a":2}'), body)).toMatchObject({ ok: false, reason: /match/ });
    expect(verifyContentDigest(`md5=:AAAA:, ${contentDigest(body)}`, body)).toEqual({ ok: true });
  });

  it('parses dictionary members with parameters and whitespace', () => {
    const members = parseDigestDictionary(' sha-256=:AQID:;x=1 ,  unixsum=:BAU=:');
    expect([...(members?.keys() ?? [])]).toEqual(['sha-256', 'unixsum']);
    expect(members?.get('sha-256')).toEqual(Buffer.from([1, 2, 3]));
    expect(parseDigestDictionary('')).toBeUndefined();
  });
});
