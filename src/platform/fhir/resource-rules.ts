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
 *    (every read and write of them is audited, naming the patient: patient-compartment.ts), and
 *    whether a patient may see every instance (reference data), from which patient binding takes
 *    the types open to patients (`typesOpenToPatients`, HAZ-WRONG-PATIENT).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Role } from '../auth/principal.js';
import { readPolicy } from './access-policy.js';
import type { TypeGroup } from './read-access/read-rule.js';
import { assertConsistent, type WriteRules } from './write-rules.js';

/** What a capability declares about reading one resource type it owns. */
export interface ReadRules {
  /** Its row of the staff read table (read-access/read-rule.ts `READ_TABLE`). */
  group: TypeGroup;
  /** Its instances hold patient data: every read and write of them is audited. */
  patientData: boolean;
  /**
   * A patient may be shown any instance, not only those in their own compartment: reference data
   * that is nobody's record (who prescribed, which pharmacy, what medicine, which clinic times are
   * free). Only for a type without patient data in a group patients read; unset: a patient sees
   * the instances of their own compartment only (auth/patient-binding.ts, HAZ-WRONG-PATIENT).
   */
  openToPatients?: boolean;
}

/**
 * Open to every patient whatever the declarations: the platform's own answer about a request (an
 * error, a search's outcome entry), never anyone's record.
 */
const KERNEL_OPEN_TYPES = ['OperationOutcome'] as const;

/** A set nothing can change (add, delete and clear throw), handed to every request. */
function frozenSet(values: Iterable<string>): ReadonlySet<string> {
  const set = new Set(values);
  const refuse = () => {
    throw new TypeError('the types open to patients are fixed by the declarations');
  };
  for (const method of ['add', 'delete', 'clear']) Object.defineProperty(set, method, { value: refuse });
  return Object.freeze(set);
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

function patientsRead(group: TypeGroup): boolean {
  const { roles } = readPolicy(group);
  return roles !== 'any-authenticated' && roles.includes('patient');
}

export class ResourceRules {
  readonly #resource = new Map<string, ResourceRelationship[]>();
  readonly #patient: PatientRelationship[] = [];
  readonly #writes = new Map<string, WriteRules>();
  readonly #reads = new Map<string, Readonly<ReadRules>>([['Patient', PATIENT_READS]]);
  /** `typesOpenToPatients()`, derived once from the declarations (again after another declaration). */
  #openToPatients: ReadonlySet<string> | undefined;

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

  /**
   * How `resourceType` is read: its group, whether it holds patient data and whether it is open to
   * every patient; declared once. Opening a type with patient data, or one patients do not read,
   * throws: a wrong declaration stops the start instead of showing patients others' records.
   */
  declareReads(resourceType: string, rules: ReadRules): void {
    if (this.#reads.has(resourceType)) throw new Error(`read rules for ${resourceType} are already declared`);
    if (rules.openToPatients && rules.patientData) {
      throw new Error(`${resourceType} holds patient data: it cannot be open to every patient`);
    }
    if (rules.openToPatients && !patientsRead(rules.group)) {
      throw new Error(`${resourceType} (${rules.group}) is not read by patients: it cannot be open to them`);
    }
    this.#reads.set(resourceType, { ...rules });
    this.#openToPatients = undefined;
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

  /**
   * The types whose every instance a patient may see (patient binding, HAZ-WRONG-PATIENT): those
   * declared `openToPatients` (so without patient data, in a group patients read) and the kernel's
   * OperationOutcome. A type nobody declared is not among them: a patient gets its instances only
   * when they are in the patient's own compartment. Fixed: the same set until another declaration.
   */
  typesOpenToPatients(): ReadonlySet<string> {
    this.#openToPatients ??= frozenSet([
      ...KERNEL_OPEN_TYPES,
      ...[...this.#reads].filter(([, rules]) => rules.openToPatients === true).map(([type]) => type),
    ]);
    return this.#openToPatients;
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
