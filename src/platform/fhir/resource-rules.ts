/**
 * Per resource type, what the capabilities declare to the generic FHIR routes, in one registry in
 * PlatformContext. The kernel knows no capability and no capability's types:
 *  - write rules (write-rules.ts): who may create, update and delete, the pure and in-transaction
 *    checks, audit, events, and whether the type may be in a transaction Bundle — applied by the
 *    POST, PUT, DELETE and transaction routes;
 *  - read relationships: through which a staff caller's organisation is related to an instance,
 *    which the read, vread, history and search routes apply (read-access/). Prescribing says "a
 *    patient with a prescription written at the organisation", dispensing "a prescription released
 *    to the pharmacy", the portal "an appointment or a result there", the register "the patient's
 *    GP practice" — each as a SQL predicate.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Role } from '../auth/principal.js';
import { assertConsistent, type WriteRules } from './write-rules.js';

/** Placeholders a relationship's SQL is built with; values always travel as bind parameters. */
export interface RelationshipSql {
  /** Bind placeholder (`$n`) of the caller's organisation (ODS code). */
  org: string;
}

/**
 * A relationship between instances of one type and an organisation. `sql` is a boolean SQL
 * expression over `r`, the instance's `fhir_resource` row. Its own subqueries must use aliases of
 * their own (prefix them with the capability, e.g. `rx_`), never `r`.
 */
export interface ResourceRelationship {
  /** What it means, e.g. "a prescription released to the pharmacy". */
  description: string;
  /** The staff roles it relates (a dispenser's pharmacy, a prescriber's practice). */
  roles: readonly Role[];
  sql(refs: RelationshipSql & { row: string }): string;
}

/**
 * A relationship between a patient and an organisation ("a patient of the practice"). It relates
 * the Patient and every resource in that patient's compartment (found through its `patient`
 * search parameter). `patientId` is a SQL text expression holding the bare Patient id.
 */
export interface PatientRelationship {
  description: string;
  roles: readonly Role[];
  sql(refs: RelationshipSql & { patientId: string }): string;
}

export class ResourceRules {
  readonly #resource = new Map<string, ResourceRelationship[]>();
  readonly #patient: PatientRelationship[] = [];
  readonly #writes = new Map<string, WriteRules>();

  /** How `resourceType` is written through the generic routes; one capability declares a type once. */
  declare<T extends Resource>(resourceType: T['resourceType'], rules: WriteRules<T>): void {
    if (this.#writes.has(resourceType))
      throw new Error(`write rules for ${resourceType} are already declared`);
    assertConsistent(resourceType, rules);
    this.#writes.set(resourceType, rules);
  }

  /** The declared write rules of a type; undefined: nobody writes it through the generic routes. */
  writeRules(resourceType: string): WriteRules | undefined {
    return this.#writes.get(resourceType);
  }

  /** Every type with declared write rules, for documentation and tests. */
  declaredTypes(): string[] {
    return [...this.#writes.keys()].sort();
  }

  /** Instances of `resourceType` related to an organisation through `relationship`. */
  relate(resourceType: string, relationship: ResourceRelationship): void {
    const list = this.#resource.get(resourceType) ?? [];
    list.push(relationship);
    this.#resource.set(resourceType, list);
  }

  /** Patients (and their compartments) related to an organisation through `relationship`. */
  relatePatients(relationship: PatientRelationship): void {
    this.#patient.push(relationship);
  }

  /** The declared relationships of a type that relate any of `roles`. */
  relationships(
    resourceType: string,
    roles: readonly Role[],
  ): { resource: ResourceRelationship[]; patient: PatientRelationship[] } {
    const relates = (relationship: { roles: readonly Role[] }) =>
      relationship.roles.some((role) => roles.includes(role));
    return {
      resource: (this.#resource.get(resourceType) ?? []).filter(relates),
      patient: this.#patient.filter(relates),
    };
  }

  /** Every declared relationship, for documentation and tests. */
  describe(): Array<{ resourceType: string | 'patient compartment'; description: string; roles: Role[] }> {
    return [
      ...[...this.#resource].flatMap(([resourceType, list]) =>
        list.map((relationship) => ({
          resourceType,
          description: relationship.description,
          roles: [...relationship.roles],
        })),
      ),
      ...this.#patient.map((relationship) => ({
        resourceType: 'patient compartment' as const,
        description: relationship.description,
        roles: [...relationship.roles],
      })),
    ];
  }
}
