/** How declared relationships become one predicate (pure: the SQL text and its bind parameters). */
import { describe, expect, it } from 'vitest';
import { ResourceRules } from '../resource-rules.js';
import { SqlParams } from '../search/sql-filters.js';
import { referencesOrganisation } from './organisation-sql.js';
import { relationshipPredicate, relationshipRestriction } from './relationship-sql.js';

function rules(): ResourceRules {
  const declared = new ResourceRules();
  declared.relatePatients({
    description: 'a patient of the practice',
    roles: ['prescriber'],
    sql: ({ org, patientId }) => `practice(${patientId}, ${org})`,
  });
  declared.relate('MedicationRequest', {
    description: 'released to the pharmacy',
    roles: ['dispenser'],
    sql: ({ org, row }) => `released(${row}.id, ${org})`,
  });
  return declared;
}

describe('relationship predicates', () => {
  it('relates a Patient itself through the patient relationships of the caller’s roles', () => {
    const params = new SqlParams();
    expect(relationshipPredicate(rules(), 'Patient', ['prescriber'], 'A83008', params)).toBe(
      '(practice(r.id, $1))',
    );
    expect(params.values).toEqual(['A83008']);
  });

  it('reaches a compartment resource through its patient search parameter', () => {
    const params = new SqlParams();
    params.add('Observation');
    const sql = relationshipPredicate(rules(), 'Observation', ['prescriber'], 'A83008', params);
    expect(sql).toContain("compartment_patient.param = 'patient'");
    expect(sql).toContain('practice(compartment_patient.target_id, $2)');
    expect(params.values).toEqual(['Observation', 'A83008']);
  });

  it('ORs the type’s own relationships with the patient ones, binding the organisation once', () => {
    const params = new SqlParams();
    const sql = relationshipPredicate(
      rules(),
      'MedicationRequest',
      ['prescriber', 'dispenser'],
      'X1',
      params,
    );
    expect(sql).toMatch(/^\(released\(r\.id, \$1\)\) OR EXISTS/);
    expect(sql).toContain('practice(compartment_patient.target_id, $1)');
    expect(params.values).toEqual(['X1']);
  });

  it('relates nothing when no relationship is declared for the roles, or the token has no organisation', () => {
    expect(relationshipPredicate(rules(), 'Observation', ['dispenser'], 'FCG71', new SqlParams())).toBe(
      'false',
    );
    expect(relationshipPredicate(rules(), 'Organization', ['prescriber'], 'A83008', new SqlParams())).toBe(
      'false',
    );
    expect(relationshipRestriction(rules(), 'Patient', ['prescriber'], undefined)(new SqlParams())).toBe(
      'false',
    );
  });

  it('lists what was declared', () => {
    expect(rules().describe()).toEqual([
      { resourceType: 'MedicationRequest', description: 'released to the pharmacy', roles: ['dispenser'] },
      {
        resourceType: 'patient compartment',
        description: 'a patient of the practice',
        roles: ['prescriber'],
      },
    ]);
  });

  it('splices only plain aliases into the organisation helpers', () => {
    expect(referencesOrganisation('gp', '$3')).toContain('gp.identifier_value = $3');
    expect(() => referencesOrganisation('gp; DROP TABLE x', '$3')).toThrow(/alias/);
  });
});
