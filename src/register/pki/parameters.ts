/** Reading and writing FHIR Parameters for the PKI operations (pure). */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { invalid, missing } from '../../platform/errors/problem.js';

export type ValueKey = 'valueString' | 'valueCode';

export function requireParameters(body: unknown): Parameters {
  if (
    !body ||
    typeof body !== 'object' ||
    (body as { resourceType?: unknown }).resourceType !== 'Parameters'
  ) {
    throw invalid('The body must be a FHIR Parameters resource', 'Parameters');
  }
  const parameter = (body as { parameter?: unknown }).parameter;
  if (parameter !== undefined && !Array.isArray(parameter)) {
    throw invalid('Parameters.parameter must be an array', 'Parameters.parameter');
  }
  return body as Parameters;
}

export const parameterPath = (name: string, key: ValueKey) =>
  `Parameters.parameter.where(name='${name}').${key}`;

/** The one `name` parameter's `key` value; undefined when absent, 400 when repeated or mistyped. */
export function parameterValue(parameters: Parameters, name: string, key: ValueKey): string | undefined {
  const found = (parameters.parameter ?? []).filter((parameter) => parameter?.name === name);
  if (found.length === 0) return undefined;
  if (found.length > 1)
    throw invalid(`Parameter ${name} is given ${found.length} times`, parameterPath(name, key));
  const value = (found[0] as unknown as Record<string, unknown>)[key];
  if (typeof value !== 'string') throw invalid(`Parameter ${name} needs a ${key}`, parameterPath(name, key));
  return value;
}

export function requiredValue(parameters: Parameters, name: string, key: ValueKey, what: string): string {
  const value = parameterValue(parameters, name, key);
  if (value === undefined || value.trim() === '')
    throw missing(`${name} (${key}) is required: ${what}`, parameterPath(name, key));
  return value;
}

export function outputParameters(parameter: ParametersParameter[]): Parameters {
  return { resourceType: 'Parameters', parameter };
}
