import type { Bundle, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { Queryable } from '../database/database.js';
import { PatientVisibility, patientVisibilityOf } from './patient-visibility.js';

const principal: Principal = {
  subject: 'p',
  issuer: 'i',
  roles: ['patient'],
  fhirUser: 'Patient/p1',
  scopes: [],
  amr: [],
};
const q = {} as Queryable;
const report = (id: string, released: boolean): Resource =>
  ({
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    code: {},
    meta: { tag: [{ code: String(released) }] },
  }) as Resource;
const patient: Resource = { resourceType: 'Patient', id: 'p1' };

function withRule(shown: Resource[][] = []): PatientVisibility {
  const visibility = new PatientVisibility();
  visibility.register('DiagnosticReport', {
    visible: async (_q, resources) => resources.filter((r) => r.meta?.tag?.[0]?.code === 'true'),
    shown: async (resources) => {
      shown.push([...resources]);
    },
  });
  return visibility;
}

const searchset = (entries: Array<[Resource, 'match' | 'include']>, extra: Partial<Bundle> = {}): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: entries.filter(([, mode]) => mode === 'match').length,
  link: [{ relation: 'self', url: 'x' }],
  entry: entries.map(([resource, mode]) => ({ resource, search: { mode } })),
  ...extra,
});

describe('patient visibility', () => {
  it('keeps what the rule of each type lets through, and every type without a rule', async () => {
    const visibility = withRule();
    const shown = await visibility.filter(q, [report('a', false), patient, report('b', true)], principal);
    expect(shown.map((r) => r.id)).toEqual(['p1', 'b']);
    expect(await new PatientVisibility().filter(q, [report('a', false)], principal)).toHaveLength(1);
  });

  it('takes hidden entries out of a Bundle and counts only what is left', async () => {
    const bundle = searchset([
      [report('a', false), 'match'],
      [report('b', true), 'match'],
      [patient, 'include'],
    ]);
    const filtered = await withRule().filterBundle(q, bundle, principal, {
      searchedType: 'DiagnosticReport',
      firstPage: true,
    });
    expect(filtered.entry?.map((entry) => entry.resource?.id)).toEqual(['b', 'p1']);
    expect(filtered.total).toBe(1);
  });

  it('gives no total that could count hidden resources on other pages or in a count-only answer', async () => {
    const visibility = withRule();
    const options = { searchedType: 'DiagnosticReport', firstPage: true };
    const paged = searchset([[report('b', true), 'match']], { link: [{ relation: 'next', url: 'y' }] });
    expect((await visibility.filterBundle(q, paged, principal, options)).total).toBeUndefined();
    const later = searchset([[report('b', true), 'match']]);
    expect(
      (await visibility.filterBundle(q, later, principal, { ...options, firstPage: false })).total,
    ).toBeUndefined();
    const countOnly: Bundle = { resourceType: 'Bundle', type: 'searchset', total: 3 };
    expect((await visibility.filterBundle(q, countOnly, principal, options)).total).toBeUndefined();
    // A type without a rule keeps its total: its hidden includes were never counted.
    const patients = searchset([
      [patient, 'match'],
      [report('a', false), 'include'],
    ]);
    const filtered = await visibility.filterBundle(q, patients, principal, {
      searchedType: 'Patient',
      firstPage: true,
    });
    expect(filtered.total).toBe(1);
    expect(filtered.entry).toHaveLength(1);
  });

  it('returns the Bundle as it is when nothing is hidden and no rule applies', async () => {
    const bundle = searchset([[patient, 'match']]);
    expect(await withRule().filterBundle(q, bundle, principal, { searchedType: 'Patient' })).toBe(bundle);
  });

  it('tells each rule what of its type was shown', async () => {
    const shown: Resource[][] = [];
    await withRule(shown).shown([patient, report('b', true)], principal);
    expect(shown.map((group) => group.map((r) => r.id))).toEqual([['b']]);
  });

  it('has one rule per type, and one registry per owner', () => {
    const visibility = withRule();
    expect(visibility.has('DiagnosticReport')).toBe(true);
    expect(() => visibility.register('DiagnosticReport', { visible: async (_q, r) => r })).toThrow(/already/);
    const owner = {};
    expect(patientVisibilityOf(owner)).toBe(patientVisibilityOf(owner));
    expect(patientVisibilityOf({})).not.toBe(patientVisibilityOf(owner));
  });
});
