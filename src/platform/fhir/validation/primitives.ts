/**
 * The R4 primitive types: which JSON type carries each one and which lexical form it must have.
 * The patterns are @medplum/core's (taken from the R4 spec's regexes), so this validator accepts
 * exactly what Medplum's would.
 */
import { validationRegexes } from '@medplum/core';
import { FHIR_ID } from '../resource-types.js';

interface PrimitiveRule {
  jsonType: 'string' | 'number' | 'boolean';
  pattern?: RegExp;
  /** Further checks on numbers; returns what is wrong, or undefined. */
  checkNumber?: (value: number) => string | undefined;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

const integer = (value: number): string | undefined =>
  !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX ? 'must be a 32-bit integer' : undefined;

const string = (type: string): PrimitiveRule => {
  const pattern = validationRegexes[type];
  return pattern ? { jsonType: 'string', pattern } : { jsonType: 'string' };
};

const RULES: Record<string, PrimitiveRule> = {
  boolean: { jsonType: 'boolean' },
  integer: { jsonType: 'number', checkNumber: integer },
  positiveInt: {
    jsonType: 'number',
    checkNumber: (value) => integer(value) ?? (value > 0 ? undefined : 'must be greater than 0'),
  },
  unsignedInt: {
    jsonType: 'number',
    checkNumber: (value) => integer(value) ?? (value >= 0 ? undefined : 'must not be negative'),
  },
  decimal: { jsonType: 'number' },
  base64Binary: string('base64Binary'),
  canonical: string('canonical'),
  code: string('code'),
  date: string('date'),
  dateTime: string('dateTime'),
  id: { jsonType: 'string', pattern: FHIR_ID },
  instant: string('instant'),
  markdown: string('markdown'),
  oid: string('oid'),
  string: string('string'),
  time: string('time'),
  uri: string('uri'),
  url: string('url'),
  uuid: string('uuid'),
  // XHTML is checked as a string only: its content rules (txt-1, txt-2) need an HTML parser.
  xhtml: { jsonType: 'string' },
  // Element.id and Extension.url are declared with the FHIRPath system type in the R4 snapshots.
  'http://hl7.org/fhirpath/System.String': { jsonType: 'string' },
};

/** FHIR caps every string at 1 MB. */
const MAX_STRING_LENGTH = 1024 * 1024;

export function isPrimitiveTypeCode(typeCode: string): boolean {
  return typeCode in RULES;
}

/** What is wrong with a primitive value, or undefined when it is valid. */
export function primitiveValueProblem(typeCode: string, value: unknown): string | undefined {
  const rule = RULES[typeCode];
  if (!rule) return undefined;
  if (typeof value !== rule.jsonType) {
    return `expected a JSON ${rule.jsonType} for a FHIR ${typeCode}, got ${describeJsonType(value)}`;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'must be a finite number';
    return rule.checkNumber?.(value);
  }
  if (typeof value === 'string') {
    if (value.trim() === '') return 'must contain non-whitespace characters';
    if (value.length > MAX_STRING_LENGTH) return 'is longer than 1 MB';
    if (rule.pattern && !rule.pattern.test(value)) return `'${clip(value)}' is not a valid FHIR ${typeCode}`;
  }
  return undefined;
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Keeps echoed values short in diagnostics. */
export function clip(value: string): string {
  return value.length > 64 ? `${value.slice(0, 61)}...` : value;
}
