import { describe, expect, it } from 'vitest';
import { AssertionRejected, checkAssertionClaims, checkAssertionHeader } from './assertion.js';
import { buildAccessClaims, grantClientScope, issuerOf, rolesOf, userScope } from './claims.js';
import { retentionSeconds } from './keys.js';

const issuer = issuerOf('https://pathways.example/');

describe('access token claims', () => {
  it('carries exactly the contract claims, optional ones only when set', () => {
    const claims = buildAccessClaims(issuer, {
      subject: 'c1',
      now: 1000,
      jti: 'j',
      roles: [],
      scope: 'system/*.*',
      amr: [],
    });
    expect(claims).toEqual({
      iss: 'https://pathways.example',
      sub: 'c1',
      aud: 'https://pathways.example/fhir/R4',
      exp: 1900,
      iat: 1000,
      jti: 'j',
      amr: [],
      roles: [],
      scope: 'system/*.*',
    });
  });

  it('never lives longer than 30 minutes', () => {
    const claims = buildAccessClaims(issuer, {
      subject: 'a',
      now: 0,
      jti: 'j',
      roles: ['patient'],
      scope: 's',
      amr: ['pwd'],
      ttlSeconds: 7200,
    });
    expect(claims.exp).toBe(1800);
  });

  it('maps roles and scopes', () => {
    expect(rolesOf('dispenser')).toEqual(['dispenser']);
    expect(rolesOf('root')).toEqual([]);
    expect(userScope('patient')).toContain('patient/*.*');
    expect(userScope('prescriber')).toContain('user/*.*');
    expect(grantClientScope('a b', undefined)).toBe('a b');
    expect(grantClientScope('a b', 'b b')).toBe('b');
    expect(grantClientScope('a b', 'a c')).toBeUndefined();
  });

  it('keeps retired keys published past the life of every token they signed', () => {
    expect(retentionSeconds(60_000)).toBeGreaterThan(15 * 60 + 60);
  });
});

describe('client assertion checks', () => {
  it('accepts only asymmetric algorithms', () => {
    for (const alg of ['none', 'HS256', 'HS512', undefined, 'ES512']) {
      expect(() => checkAssertionHeader({ alg }), String(alg)).toThrow(AssertionRejected);
    }
    for (const alg of ['ES256', 'RS256', 'PS256']) expect(() => checkAssertionHeader({ alg })).not.toThrow();
  });

  it('needs iss = sub, a jti and a short life', () => {
    const base = { iss: 'c', sub: 'c', jti: 'j', exp: 1100 };
    expect(checkAssertionClaims(base, 1000)).toEqual({ clientId: 'c', jti: 'j', exp: 1100 });
    expect(() => checkAssertionClaims({ ...base, sub: 'd' }, 1000)).toThrow(/iss and sub/);
    expect(() => checkAssertionClaims({ ...base, jti: undefined }, 1000)).toThrow(/jti/);
    expect(() => checkAssertionClaims({ ...base, exp: 1000 + 3600 }, 1000)).toThrow(/at most/);
  });
});
