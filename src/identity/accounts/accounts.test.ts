import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { generatePassword } from './password.js';
import { currentTotp, generateTotpSecret, matchTotp } from './totp.js';
import { checkFhirUser, checkOds, checkRoleMatchesFhirUser, checkUsername } from './validation.js';

describe('account field rules', () => {
  it('accepts the usual shapes and refuses the rest with INVALID_VALUE', () => {
    expect(checkUsername('dr.jones@example')).toBe('dr.jones@example');
    expect(checkFhirUser('Practitioner/abc-1')).toBe('Practitioner/abc-1');
    expect(checkOds(' fa565 ')).toBe('FA565');
    for (const bad of [
      () => checkUsername('a b'),
      () => checkUsername('.x'),
      () => checkFhirUser('Device/1'),
    ]) {
      expect(bad).toThrow(Problem);
    }
    expect(() => checkOds('AB')).toThrow(/ODS/);
    expect(() => checkRoleMatchesFhirUser('patient', 'Practitioner/1')).toThrow(Problem);
    expect(() => checkRoleMatchesFhirUser('prescriber', 'Patient/1')).toThrow(Problem);
    expect(() => checkRoleMatchesFhirUser('admin', undefined)).not.toThrow();
  });

  it('generates 20-character passwords and 32-character base32 TOTP secrets', () => {
    expect(generatePassword()).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
    expect(generateTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('matches a TOTP code within one step of drift and names its step', () => {
    const secret = generateTotpSecret();
    const at = new Date('2026-01-01T10:00:10Z');
    const step = Math.floor(at.getTime() / 30_000);
    expect(matchTotp(secret, currentTotp(secret, at), at)).toBe(step);
    expect(matchTotp(secret, currentTotp(secret, new Date(at.getTime() - 30_000)), at)).toBe(step - 1);
    expect(matchTotp(secret, currentTotp(secret, new Date(at.getTime() - 90_000)), at)).toBeUndefined();
    expect(matchTotp(secret, 'abcdef', at)).toBeUndefined();
  });
});
