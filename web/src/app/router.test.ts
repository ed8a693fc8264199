import { describe, expect, it, vi } from 'vitest';

vi.stubGlobal('window', {
  addEventListener: () => {},
  location: { pathname: '/', search: '' },
});

const { matchPath, safeReturnPath } = await import('./router');

describe('routes', () => {
  it('matches fixed paths and takes parameters', () => {
    expect(matchPath('/appointments', '/appointments')).toEqual({});
    expect(matchPath('/appointments', '/appointments/')).toEqual({});
    expect(matchPath('/appointments/:id/cancel', '/appointments/abc-1/cancel')).toEqual({ id: 'abc-1' });
    expect(matchPath('/', '/')).toEqual({});
  });

  it('refuses other paths and ids that are not FHIR ids', () => {
    expect(matchPath('/appointments/:id/cancel', '/appointments/abc/reschedule')).toBeUndefined();
    expect(matchPath('/appointments', '/appointments/abc')).toBeUndefined();
    expect(matchPath('/results/:id', '/results/a%2Fb')).toBeUndefined();
    expect(matchPath('/results/:id', '/results/%E0%A4%A')).toBeUndefined();
    expect(matchPath('/results/:id', `/results/${'x'.repeat(65)}`)).toBeUndefined();
  });

  it('returns only to paths on this site after signing in', () => {
    expect(safeReturnPath('/prescriptions')).toBe('/prescriptions');
    expect(safeReturnPath('//evil.example/')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
    expect(safeReturnPath('https://evil.example/')).toBe('/');
    expect(safeReturnPath(null)).toBe('/');
  });
});
