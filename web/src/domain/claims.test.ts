import { describe, expect, it } from 'vitest';
import { decodeClaims, homeOf, isServiceDesk, MalformedToken, patientIdOf } from './claims';

function token(payload: object): string {
  const encode = (value: object) => {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    return btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  };
  return `${encode({ alg: 'ES256' })}.${encode(payload)}.signature`;
}

describe('access token claims', () => {
  const patient = token({
    sub: 'acc-1',
    exp: 2_000_000_000,
    auth_time: 1_900_000_000,
    roles: ['patient'],
    fhirUser: 'Patient/p-1',
    name: 'Zoë',
  });

  it('reads subject, roles, fhirUser, expiry and auth_time, including non-ASCII payloads', () => {
    expect(decodeClaims(patient)).toEqual({
      subject: 'acc-1',
      roles: ['patient'],
      fhirUser: 'Patient/p-1',
      expiresAt: 2_000_000_000,
      authTime: 1_900_000_000,
    });
    const unicode = token({ sub: 'ü', exp: 1, note: 'ünïcødé ✓' });
    expect(decodeClaims(unicode).subject).toBe('ü');
  });

  it('refuses what is not a token', () => {
    expect(() => decodeClaims('nonsense')).toThrow(MalformedToken);
    expect(() => decodeClaims('a.b%%.c')).toThrow(MalformedToken);
    expect(() => decodeClaims(token({ sub: 'x' }))).toThrow(MalformedToken);
  });

  it('links a patient token to its own record only', () => {
    expect(patientIdOf(decodeClaims(patient))).toBe('p-1');
    const clinician = decodeClaims(
      token({ sub: 'c', exp: 1, roles: ['clinician'], fhirUser: 'Patient/p-1' }),
    );
    expect(patientIdOf(clinician)).toBeUndefined();
    const unlinked = decodeClaims(
      token({ sub: 'u', exp: 1, roles: ['patient'], fhirUser: 'Practitioner/1' }),
    );
    expect(patientIdOf(unlinked)).toBeUndefined();
  });

  it('sends patients home, the service desk and administrators to the desk, anyone else to an explanation', () => {
    expect(homeOf(decodeClaims(patient))).toBe('/');
    const desk = decodeClaims(token({ sub: 'd', exp: 1, roles: ['service-desk'] }));
    expect(isServiceDesk(desk)).toBe(true);
    expect(homeOf(desk)).toBe('/service-desk');
    expect(homeOf(decodeClaims(token({ sub: 'a', exp: 1, roles: ['admin'] })))).toBe('/service-desk');
    expect(homeOf(decodeClaims(token({ sub: 'p', exp: 1, roles: ['prescriber'] })))).toBe(
      '/not-for-this-account',
    );
  });
});
