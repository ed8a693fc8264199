import { describe, expect, it } from 'vitest';
import { type AccessPolicy, authorize } from './policy.js';
import { type Principal, ROLES, type Role } from './principal.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const context = { now: NOW, stepUpMaxAgeS: 900 };

function principal(overrides: Partial<Principal> = {}): Principal {
  return {
    subject: 'a1',
    issuer: 'http://localhost:3000',
    roles: ['prescriber'],
    fhirUser: 'Practitioner/p1',
    org: 'A12345',
    scopes: [],
    amr: ['pwd', 'otp'],
    authTime: NOW_S - 60,
    ...overrides,
  };
}

const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A recent sign-in with a one-time code is required", max_age=900';

function outcome(decision: ReturnType<typeof authorize>) {
  if (decision.ok) return 'ok';
  return `${decision.problem.status} ${decision.problem.code}`;
}

describe('roles', () => {
  // Every role against every single-role policy: allowed exactly when they match.
  for (const held of ROLES) {
    it(`${held} passes only policies naming ${held}`, () => {
      for (const needed of ROLES) {
        const decision = authorize(principal({ roles: [held] }), { roles: [needed] }, context);
        expect(outcome(decision)).toBe(held === needed ? 'ok' : '403 FORBIDDEN');
      }
      expect(authorize(principal({ roles: [held] }), { roles: 'any-authenticated' }, context).ok).toBe(true);
    });
  }

  it('a principal with no roles passes only any-authenticated', () => {
    const none = principal({ roles: [] });
    expect(authorize(none, { roles: 'any-authenticated' }, context).ok).toBe(true);
    expect(outcome(authorize(none, { roles: [...ROLES] }, context))).toBe('403 FORBIDDEN');
  });

  it('a policy naming no role refuses everyone and says so, not "one of the roles: "', () => {
    const decision = authorize(principal({ roles: [...ROLES] }), { roles: [] }, context);
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.problem.message).toBe('FORBIDDEN: No role may do this');
  });

  it('one matching role of several is enough', () => {
    const policy: AccessPolicy = { roles: ['dispenser', 'prescriber'] };
    expect(authorize(principal({ roles: ['prescriber'] }), policy, context).ok).toBe(true);
  });
});

describe('scopes', () => {
  it('needs every declared scope and says which are missing (RFC 6750 insufficient_scope)', () => {
    const policy: AccessPolicy = {
      roles: 'any-authenticated',
      scopes: ['system/Claim.read', 'system/Task.write'],
    };
    expect(
      authorize(principal({ scopes: ['system/Claim.read', 'system/Task.write'] }), policy, context).ok,
    ).toBe(true);
    const decision = authorize(principal({ scopes: ['system/Claim.read'] }), policy, context);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.problem.status).toBe(403);
    expect(decision.problem.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="This operation needs the scope(s): system/Task.write", scope="system/Task.write"',
    );
  });
});

describe('step-up (RFC 9470)', () => {
  const policy: AccessPolicy = { roles: ['prescriber'], stepUp: true };
  const cases: Array<[string, Partial<Principal>, string]> = [
    ['recent otp', {}, 'ok'],
    ['otp exactly max_age old', { authTime: NOW_S - 900 }, 'ok'],
    ['otp one second too old', { authTime: NOW_S - 901 }, '401 UNAUTHORIZED'],
    ['password only', { amr: ['pwd'] }, '401 UNAUTHORIZED'],
    ['no auth_time', { authTime: undefined }, '401 UNAUTHORIZED'],
    ['auth_time far in the future', { authTime: NOW_S + 3600 }, '401 UNAUTHORIZED'],
    ['no amr (system client)', { amr: [], authTime: undefined }, '401 UNAUTHORIZED'],
  ];
  it.each(cases)('%s → %s', (_name, overrides, expected) => {
    expect(outcome(authorize(principal(overrides), policy, context))).toBe(expected);
  });

  it('challenges with the exact header and max_age from the configuration', () => {
    const decision = authorize(principal({ amr: ['pwd'] }), policy, context);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.problem.headers).toEqual({ 'www-authenticate': STEP_UP_CHALLENGE });
    const other = authorize(principal({ amr: ['pwd'] }), policy, { ...context, stepUpMaxAgeS: 300 });
    expect(other.ok ? '' : other.problem.headers['www-authenticate']).toMatch(/, max_age=300$/);
  });

  it('a wrong role is 403 even when the sign-in is also stale (stepping up would not help)', () => {
    const stale = principal({ roles: ['dispenser'], amr: ['pwd'] });
    expect(outcome(authorize(stale, policy, context))).toBe('403 FORBIDDEN');
  });
});

describe('organisation binding', () => {
  const policy: AccessPolicy = { roles: ['dispenser'], organisation: 'token-org-must-match' };
  const dispenser = (org?: string) => principal({ roles: ['dispenser'], org });
  it.each([
    ['same org', 'FA123', 'FA123', 'ok'],
    ['other org', 'FA123', 'FB999', '403 FORBIDDEN'],
    ['org not known yet (pre-handler)', 'FA123', undefined, 'ok'],
    ['token without org', undefined, 'FA123', '403 FORBIDDEN'],
    ['token without org, org not known yet', undefined, undefined, '403 FORBIDDEN'],
    ['case differs', 'fa123', 'FA123', '403 FORBIDDEN'],
  ])('%s', (_name, tokenOrg, resourceOrg, expected) => {
    const decision = authorize(dispenser(tokenOrg), policy, { ...context, resourceOrg });
    expect(outcome(decision)).toBe(expected);
  });

  it('is not checked when the policy does not ask for it', () => {
    expect(
      authorize(dispenser(undefined), { roles: ['dispenser'] }, { ...context, resourceOrg: 'X' }).ok,
    ).toBe(true);
  });
});

describe('patient binding at the door', () => {
  const policy: AccessPolicy = { roles: ['patient'], patient: 'bound' };
  it.each([
    ['linked to a Patient', 'Patient/pat-1', 'ok'],
    ['no fhirUser', undefined, '403 FORBIDDEN'],
    ['linked to a Practitioner', 'Practitioner/p1', '403 FORBIDDEN'],
  ])('%s', (_name, fhirUser, expected) => {
    const patient = principal({ roles: ['patient'] as Role[], fhirUser, org: undefined });
    expect(outcome(authorize(patient, policy, context))).toBe(expected);
  });

  it('does not restrict staff on a patient-bound route', () => {
    const staff: AccessPolicy = { roles: ['patient', 'clinician'], patient: 'bound' };
    expect(authorize(principal({ roles: ['clinician'], fhirUser: undefined }), staff, context).ok).toBe(true);
  });
});
