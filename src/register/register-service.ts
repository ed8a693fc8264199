/**
 * The `register` service other capabilities use (prescribing: who signed, and did they have the
 * right at sigT). Both calls take the caller's Queryable, so they can run inside its transaction.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import type { Queryable } from '../platform/database/database.js';
import { type RightsQuery, rightsAt } from './rights/role-store.js';
import { isProfessionalNumberSystem, type PrescribingRight } from './systems.js';

export interface IdentifierValue {
  system?: string;
  value?: string;
}

export interface RegisterService {
  /**
   * The registered Practitioner any of these identifiers names. Professional numbers decide (each
   * belongs to one Practitioner); otherwise the identifiers must all point at one Practitioner.
   * Undefined when none matches, or when they name more than one (ambiguous, never a guess).
   */
  resolvePractitioner(
    q: Queryable,
    identifiers: readonly IdentifierValue[],
  ): Promise<{ id: string; resource: Practitioner } | undefined>;
  /** The rights in force at `at` over all the practitioner's roles at `orgOds` (rights.ts). */
  rightsAt(q: Queryable, query: RightsQuery): Promise<PrescribingRight[]>;
}

const MAX_IDENTIFIERS = 20;

export interface PractitionerMatch {
  id: string;
  system: string;
  value: string;
  content: string;
}

export function usableIdentifiers(
  identifiers: readonly IdentifierValue[],
): { system: string; value: string }[] {
  return identifiers
    .filter(
      (identifier): identifier is { system: string; value: string } =>
        typeof identifier?.system === 'string' &&
        identifier.system.length > 0 &&
        typeof identifier.value === 'string' &&
        identifier.value.length > 0,
    )
    .slice(0, MAX_IDENTIFIERS);
}

/** The values and systems to look up (text[] parameters), from `usableIdentifiers`. */
export function identifierParams(wanted: readonly { system: string; value: string }[]): string[][] {
  return [
    [...new Set(wanted.map((identifier) => identifier.value))],
    [...new Set(wanted.map((identifier) => identifier.system))],
  ];
}

/**
 * The one Practitioner the identifiers name, from the index rows they matched: professional
 * numbers decide; otherwise all must point at one. Undefined when none or several.
 */
export function choosePractitioner(
  wanted: readonly { system: string; value: string }[],
  rows: readonly PractitionerMatch[],
): { id: string; resource: Practitioner } | undefined {
  const pairs = new Set(wanted.map((identifier) => `${identifier.system}|${identifier.value}`));
  const matches = rows.filter((row) => pairs.has(`${row.system}|${row.value}`));
  const professional = new Set(
    matches.filter((row) => isProfessionalNumberSystem(row.system)).map((row) => row.id),
  );
  const all = new Set(matches.map((row) => row.id));
  const chosen = professional.size > 0 ? professional : all;
  if (chosen.size !== 1) return undefined;
  const id = [...chosen][0]!;
  const row = matches.find((match) => match.id === id)!;
  return { id, resource: JSON.parse(row.content) as Practitioner };
}

export function createRegisterService(): RegisterService {
  return {
    async resolvePractitioner(q, identifiers) {
      const wanted = usableIdentifiers(identifiers);
      if (wanted.length === 0) return undefined;
      const result = await q.query<PractitionerMatch>(
        `SELECT t.id, t.system, t.value, r.content FROM search_token t
         JOIN fhir_resource r ON r.resource_type = t.resource_type AND r.id = t.id AND NOT r.deleted
         WHERE t.resource_type = 'Practitioner' AND t.param = 'identifier'
           AND t.value = ANY($1::text[]) AND t.system = ANY($2::text[])`,
        identifierParams(wanted),
      );
      return choosePractitioner(wanted, result.rows);
    },
    rightsAt,
  };
}
