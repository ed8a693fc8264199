/** The kick-off parameters: what is accepted, what each resolves to, and every refusal a 400/403. */
import { describe, expect, it } from 'vitest';
import { declaredResourceRules } from '../../../test/support/platform/declared-rules.js';
import { Problem } from '../../platform/errors/problem.js';
import { exportableTypes, exportTypesOf, parseExportRequest, pseudonymisedFor } from './export-request.js';

const admin = { roles: ['admin'] };
const analyst = { roles: ['analyst'] };
const q = (text: string) => new URLSearchParams(text);
/** The types as the capabilities declare them (what the analytics capability passes its routes). */
const TYPES = exportTypesOf(declaredResourceRules());

function problemOf(fn: () => unknown): Problem {
  try {
    fn();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem');
}

describe('parseExportRequest', () => {
  it('exports every stored type at system level, and the compartment types at patient level', () => {
    const system = parseExportRequest(TYPES, 'system', q(''), admin);
    expect(system.types).toEqual([...exportableTypes(TYPES, 'system')]);
    expect(system.types).toContain('Practitioner');
    const patient = parseExportRequest(TYPES, 'patient', q(''), admin);
    expect(patient.types).toContain('Patient');
    expect(patient.types).toContain('MedicationRequest');
    expect(patient.types).not.toContain('Practitioner');
    expect(patient.types).not.toContain('Group');
  });

  it('narrows to _type (comma-separated or repeated), in the server order, without repeats', () => {
    const request = parseExportRequest(
      TYPES,
      'system',
      q('_type=MedicationRequest,Patient&_type=Patient'),
      admin,
    );
    expect(request.types).toEqual(['Patient', 'MedicationRequest']);
  });

  it('accepts the NDJSON output formats and refuses others', () => {
    for (const format of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) {
      expect(
        parseExportRequest(TYPES, 'system', q(`_outputFormat=${encodeURIComponent(format)}`), admin).types
          .length,
      ).toBeGreaterThan(0);
    }
    const problem = problemOf(() => parseExportRequest(TYPES, 'system', q('_outputFormat=text/csv'), admin));
    expect(problem.status).toBe(400);
    expect(problem.issues[0]!.expression).toBe('_outputFormat');
  });

  it('reads _since as an instant with a time zone', () => {
    const request = parseExportRequest(TYPES, 'system', q('_since=2026-01-02T03:04:05Z'), admin);
    expect(request.since?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    for (const bad of ['2026-01-02', '2026-01-02T03:04:05', 'yesterday']) {
      expect(
        problemOf(() => parseExportRequest(TYPES, 'system', q(`_since=${bad}`), admin)).issues[0]!.expression,
      ).toBe('_since');
    }
  });

  it('checks each _typeFilter with the search parser and against the exported types', () => {
    const request = parseExportRequest(
      TYPES,
      'system',
      q(`_type=MedicationRequest&_typeFilter=${encodeURIComponent('MedicationRequest?status=active')}`),
      admin,
    );
    expect(request.typeFilters).toEqual([{ type: 'MedicationRequest', query: 'status=active' }]);
    const cases = [
      'Patient?gender=female', // not in _type
      'MedicationRequest?no-such-param=1',
      'MedicationRequest?_count=5',
      'MedicationRequest',
      '?status=active',
    ];
    for (const filter of cases) {
      const problem = problemOf(() =>
        parseExportRequest(
          TYPES,
          'system',
          q(`_type=MedicationRequest&_typeFilter=${encodeURIComponent(filter)}`),
          admin,
        ),
      );
      expect(problem.status, filter).toBe(400);
    }
  });

  it('refuses unknown parameters, unknown types and types outside the level', () => {
    expect(problemOf(() => parseExportRequest(TYPES, 'system', q('_elements=id'), admin)).status).toBe(400);
    expect(problemOf(() => parseExportRequest(TYPES, 'system', q('_type=AuditEvent'), admin)).status).toBe(
      400,
    );
    expect(problemOf(() => parseExportRequest(TYPES, 'patient', q('_type=Practitioner'), admin)).status).toBe(
      400,
    );
    expect(problemOf(() => parseExportRequest(TYPES, 'system', q('_since=a&_since=b'), admin)).status).toBe(
      400,
    );
  });

  it('keeps the group id of a Group export', () => {
    expect(parseExportRequest(TYPES, 'group', q(''), admin, 'g1').groupId).toBe('g1');
  });
});

describe('pseudonymisedFor', () => {
  it('always pseudonymises for analysts, and refuses an analyst asking for identifiable data', () => {
    expect(pseudonymisedFor(analyst, undefined)).toBe(true);
    expect(pseudonymisedFor(analyst, 'true')).toBe(true);
    expect(problemOf(() => pseudonymisedFor(analyst, 'false')).status).toBe(403);
  });

  it('gives administrators data as stored unless they ask', () => {
    expect(pseudonymisedFor(admin, undefined)).toBe(false);
    expect(pseudonymisedFor(admin, 'true')).toBe(true);
    expect(pseudonymisedFor({ roles: ['admin', 'analyst'] }, 'false')).toBe(false);
    expect(problemOf(() => pseudonymisedFor(admin, 'yes')).status).toBe(400);
  });
});
