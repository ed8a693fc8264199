/**
 * Reading the FHIR Parameters body of an operation (pure). Strict: an unknown, repeated or
 * mistyped parameter is a 400 naming it, never ignored, so a typo cannot silently do less.
 */
import type { CodeableConcept, Reference } from '@medplum/fhirtypes';
import { invalid, missing } from '../platform/errors/problem.js';

export type ValueKind =
  | 'valueString'
  | 'valueBoolean'
  | 'valueCode'
  | 'valueReference'
  | 'valueCodeableConcept';

export interface ParameterSpec {
  types: readonly ValueKind[];
  required?: boolean;
  /** The parameter may be given without a value (e.g. "remove my e-mail address"). */
  mayBeEmpty?: boolean;
  /** Longest valueString accepted. Default 1000. */
  maxLength?: number;
}

export interface GivenParameter {
  kind: ValueKind | undefined;
  value: unknown;
}

export type GivenParameters = ReadonlyMap<string, GivenParameter>;

const CODE = /^[^\s]+( [^\s]+)*$/;

export function readParameters(body: unknown, specs: Record<string, ParameterSpec>): GivenParameters {
  const given = new Map<string, GivenParameter>();
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || (body as { resourceType?: unknown }).resourceType !== 'Parameters') {
      throw invalid('The body of this operation is a FHIR Parameters resource', 'resourceType');
    }
    const list = (body as { parameter?: unknown }).parameter;
    if (list !== undefined && !Array.isArray(list)) {
      throw invalid('Parameters.parameter must be an array', 'Parameters.parameter');
    }
    (list ?? []).forEach((item: unknown, index: number) => {
      const [name, parameter] = readOne(item, index, specs);
      if (given.has(name))
        throw invalid(`Parameter ${name} is given more than once`, `Parameters.parameter[${index}]`);
      given.set(name, parameter);
    });
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && !given.has(name))
      throw missing(`Parameter ${name} is required`, 'Parameters.parameter');
  }
  return given;
}

function readOne(
  item: unknown,
  index: number,
  specs: Record<string, ParameterSpec>,
): [string, GivenParameter] {
  const at = `Parameters.parameter[${index}]`;
  if (typeof item !== 'object' || item === null) throw invalid('A parameter must be an object', at);
  const record = item as Record<string, unknown>;
  const name = record.name;
  if (typeof name !== 'string' || name === '') throw missing('A parameter needs a name', `${at}.name`);
  const spec = specs[name];
  if (!spec) {
    throw invalid(
      `Unknown parameter ${name}; this operation takes ${Object.keys(specs).join(', ')}`,
      `${at}.name`,
    );
  }
  const keys = Object.keys(record).filter((key) => key !== 'name');
  const valueKeys = keys.filter((key) => key.startsWith('value'));
  const other = keys.find((key) => !key.startsWith('value'));
  if (other !== undefined) throw invalid(`Parameter ${name} cannot have ${other}`, `${at}.${other}`);
  if (valueKeys.length > 1) throw invalid(`Parameter ${name} has more than one value`, at);
  const kind = valueKeys[0];
  if (kind === undefined) {
    if (spec.mayBeEmpty) return [name, { kind: undefined, value: undefined }];
    throw missing(`Parameter ${name} needs a value (${spec.types.join(' or ')})`, at);
  }
  if (!(spec.types as readonly string[]).includes(kind)) {
    throw invalid(`Parameter ${name} takes ${spec.types.join(' or ')}, not ${kind}`, `${at}.${kind}`);
  }
  const value = record[kind];
  checkValue(name, kind as ValueKind, value, spec, `${at}.${kind}`);
  return [name, { kind: kind as ValueKind, value }];
}

function checkValue(name: string, kind: ValueKind, value: unknown, spec: ParameterSpec, at: string): void {
  const bad = (what: string) => invalid(`Parameter ${name}: ${what}`, at);
  switch (kind) {
    case 'valueString':
      if (typeof value !== 'string' || value.trim() === '') throw bad('must be a non-empty string');
      if (value.length > (spec.maxLength ?? 1000))
        throw bad(`must be at most ${spec.maxLength ?? 1000} characters`);
      return;
    case 'valueBoolean':
      if (typeof value !== 'boolean') throw bad('must be true or false');
      return;
    case 'valueCode':
      if (typeof value !== 'string' || !CODE.test(value)) throw bad('must be a code');
      return;
    case 'valueReference': {
      const reference = (value as Reference | null)?.reference;
      if (typeof reference !== 'string' || reference === '')
        throw bad('must be a Reference with a reference');
      return;
    }
    case 'valueCodeableConcept': {
      const concept = value as CodeableConcept | null;
      const hasText = typeof concept?.text === 'string' && concept.text.trim() !== '';
      const hasCoding =
        Array.isArray(concept?.coding) &&
        concept.coding.some((coding) => typeof coding?.code === 'string' && coding.code !== '');
      if (!hasText && !hasCoding) throw bad('must be a CodeableConcept with a coding or text');
      return;
    }
  }
}

export function stringParameter(given: GivenParameters, name: string): string | undefined {
  const parameter = given.get(name);
  return parameter?.kind === 'valueString' ? (parameter.value as string).trim() : undefined;
}

export function booleanParameter(given: GivenParameters, name: string): boolean | undefined {
  const parameter = given.get(name);
  return parameter?.kind === 'valueBoolean' ? (parameter.value as boolean) : undefined;
}

export function codeParameter(given: GivenParameters, name: string): string | undefined {
  const parameter = given.get(name);
  return parameter?.kind === 'valueCode' ? (parameter.value as string) : undefined;
}

export function referenceParameter(given: GivenParameters, name: string): string | undefined {
  const parameter = given.get(name);
  return parameter?.kind === 'valueReference' ? (parameter.value as Reference).reference : undefined;
}

export function conceptParameter(given: GivenParameters, name: string): CodeableConcept | undefined {
  const parameter = given.get(name);
  if (parameter?.kind === 'valueCodeableConcept') return parameter.value as CodeableConcept;
  if (parameter?.kind === 'valueString') return { text: (parameter.value as string).trim() };
  return undefined;
}

/** The id of a relative reference `Type/id` of the expected type, or a 400 naming the parameter. */
export function referencedId(reference: string, type: string, parameter: string): string {
  const match = new RegExp(`^${type}/([A-Za-z0-9\\-.]{1,64})$`).exec(reference);
  if (!match?.[1])
    throw invalid(`Parameter ${parameter} must reference a ${type} (${type}/<id>)`, 'Parameters.parameter');
  return match[1];
}
