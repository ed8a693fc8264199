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
 *    GP practice" — each as a SQL predicate;
 *  - read rules: the type's group in the staff read table (read-access/read-rule.ts: who reads
 *    every instance, who only related ones, who none) and whether its instances hold patient data
 *    (every read and write of them is audited, naming the patient: patient-compartment.ts).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Role } from '../auth/principal.js';
import type { TypeGroup } from './read-access/read-rule.js';
import { assertConsistent, type WriteRules } from './write-rules.js';

/** What a capability declares about reading one resource type it owns. */
export interface ReadRules {
  /** Its row of the staff read table (read-access/read-rule.ts `READ_TABLE`). */
  group: TypeGroup;
  /** Its instances hold patient data: every read and write of them is audited. */
  patientData: boolean;
}

/**
 * A type nobody declared: clinical, the strictest group a related reader can read (unknown means
 * the strictest rule, not the loosest), and not audited as patient data, as before types were
 * declared (every stored type is declared: src/read-rules.test.ts).
 */
export const UNDECLARED_READS: Readonly<ReadRules> = { group: 'clinical', patientData: false };

/** The kernel's own type: a patient's demographics (patient binding and the compartment are the kernel's). */
const PATIENT_READS: Readonly<ReadRules> = { group: 'demographics', patientData: true };

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
  readonly #reads = new Map<string, Readonly<ReadRules>>([['Patient', PATIENT_READS]]);

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

  /** How `resourceType` is read: its group and whether it holds patient data; declared once. */
  declareReads(resourceType: string, rules: ReadRules): void {
    if (this.#reads.has(resourceType)) throw new Error(`read rules for ${resourceType} are already declared`);
    this.#reads.set(resourceType, { ...rules });
  }

  /** The declared read rules of a type, or the strictest (`UNDECLARED_READS`) when none were. */
  readRules(resourceType: string): Readonly<ReadRules> {
    return this.#reads.get(resourceType) ?? UNDECLARED_READS;
  }

  /** Its group in the staff read table. */
  readGroup(resourceType: string): TypeGroup {
    return this.readRules(resourceType).group;
  }

  /** Whether instances of the type hold patient data (audited on every read and write). */
  holdsPatientData(resourceType: string): boolean {
    return this.readRules(resourceType).patientData;
  }

  /** Every type with declared read rules (Patient included), for documentation and tests. */
  readDeclaredTypes(): string[] {
    return [...this.#reads.keys()].sort();
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
