import { describe, expect, it } from 'vitest';
import {
  grantUserScope,
  hasSmartScopes,
  interactionOf,
  parseResourceScope,
  scopesAllow,
} from './smart-scopes.js';

describe('SMART scopes', () => {
  it('parses v2 and v1 resource scopes, and refuses what is not one', () => {
    expect(parseResourceScope('patient/Observation.rs')).toEqual({
      context: 'patient',
      type: 'Observation',
      permissions: new Set(['r', 's']),
    });
    expect([...parseResourceScope('user/*.cruds')!.permissions]).toEqual(['c', 'r', 'u', 'd', 's']);
    expect([...parseResourceScope('patient/*.read')!.permissions]).toEqual(['r', 's']);
    expect([...parseResourceScope('system/*.write')!.permissions]).toEqual(['c', 'u', 'd']);
    expect(parseResourceScope('system/*.*')!.permissions.size).toBe(5);
    for (const bad of [
      'patient/*.sr',
      'patient/*.',
      'patient/*.x',
      'other/*.rs',
      'patient/observation.rs',
      'openid',
    ]) {
      expect(parseResourceScope(bad), bad).toBeUndefined();
    }
    // Granular scopes (with a query) are not supported: they grant nothing.
    expect(parseResourceScope('patient/Observation.rs?category=laboratory')).toBeUndefined();
  });

  it('allows an interaction only when a scope names it, on the type or *', () => {
    const rs = ['openid', 'patient/*.rs'];
    expect(scopesAllow(rs, 'MedicationRequest', 'r')).toBe(true);
    expect(scopesAllow(rs, 'MedicationRequest', 's')).toBe(true);
    expect(scopesAllow(rs, 'MedicationRequest', 'c')).toBe(false);
    expect(scopesAllow(['patient/Observation.r'], 'Observation', 'r')).toBe(true);
    expect(scopesAllow(['patient/Observation.r'], 'Observation', 's')).toBe(false);
    expect(scopesAllow(['patient/Observation.r'], 'Patient', 'r')).toBe(false);
    // System-level calls ($process-message, transactions) need a * scope.
    expect(scopesAllow(['user/MedicationRequest.c'], undefined, 'c')).toBe(false);
    expect(scopesAllow(['user/*.*'], undefined, 'c')).toBe(true);
  });

  it('knows which tokens carry SMART scopes at all', () => {
    expect(hasSmartScopes([])).toBe(false);
    expect(hasSmartScopes(['openid', 'fhirUser', 'pathways:admin'])).toBe(false);
    expect(hasSmartScopes(['openid', 'launch/patient'])).toBe(true);
    expect(hasSmartScopes(['user/*.*'])).toBe(true);
  });

  it('maps requests onto interactions', () => {
    expect(interactionOf('GET', '/Patient/1')).toEqual({ resourceType: 'Patient', interaction: 'r' });
    expect(interactionOf('GET', '/Patient/1/_history/2')).toEqual({
      resourceType: 'Patient',
      interaction: 'r',
    });
    expect(interactionOf('GET', '/MedicationRequest?patient=Patient/1')).toEqual({
      resourceType: 'MedicationRequest',
      interaction: 's',
    });
    expect(interactionOf('POST', '/Observation/_search')).toEqual({
      resourceType: 'Observation',
      interaction: 's',
    });
    expect(interactionOf('POST', '/Observation')).toEqual({ resourceType: 'Observation', interaction: 'c' });
    expect(interactionOf('PUT', '/Observation/1')).toEqual({ resourceType: 'Observation', interaction: 'u' });
    expect(interactionOf('DELETE', '/Observation/1')).toEqual({
      resourceType: 'Observation',
      interaction: 'd',
    });
    expect(interactionOf('POST', '/$process-message')).toEqual({ resourceType: undefined, interaction: 'c' });
    expect(interactionOf('POST', '/Task/$release')).toEqual({ resourceType: 'Task', interaction: 'c' });
    expect(interactionOf('GET', '/Task?focus:identifier=X')).toEqual({
      resourceType: 'Task',
      interaction: 's',
    });
  });

  it('grants a person what fits them of what the app asked for', () => {
    const fallback = 'openid fhirUser offline_access patient/*.*';
    expect(grantUserScope('patient', undefined, fallback)).toBe(fallback);
    expect(grantUserScope('patient', 'openid fhirUser launch/patient patient/*.rs', fallback)).toBe(
      'openid fhirUser launch/patient patient/*.rs',
    );
    // A patient gets no user/ or system/ scopes; staff no patient/ scopes and no patient launch.
    expect(
      grantUserScope('patient', 'launch/patient user/*.cruds system/*.* patient/Observation.rs', fallback),
    ).toBe('launch/patient patient/Observation.rs');
    expect(grantUserScope('prescriber', 'openid launch/patient patient/*.rs user/*.rs', 'x')).toBe(
      'openid user/*.rs',
    );
    // Nothing that reaches a resource: nothing granted (the token endpoint answers invalid_scope).
    expect(grantUserScope('admin', 'made-up-scope', 'x')).toBeUndefined();
    expect(grantUserScope('prescriber', 'openid launch/patient patient/*.rs', 'x')).toBeUndefined();
  });
});
