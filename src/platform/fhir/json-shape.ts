/**
 * Reading a request body that is `unknown` without trusting its shape: each helper returns the
 * element with the JSON type it must have, or throws one Problem naming the element (FHIRPath)
 * and what it is instead. Handlers that cannot run the full R4 validation first (or must read a
 * few elements before it) read through these, so a wrong shape is a 400, never a TypeError.
 */
import { invalid, missing } from '../errors/problem.js';
import { clip, describeJsonType, isRecord } from './validation/primitives.js';

export type JsonObject = Record<string, unknown>;

export { clip, describeJsonType, isRecord as isJsonObject };

const wrongType = (expression: string, expected: string, value: unknown) =>
  invalid(`${expression} must be ${expected}, not ${describeJsonType(value)}`, expression);

/** A JSON object that must be there. */
export function objectAt(value: unknown, expression: string): JsonObject {
  if (value === undefined) throw missing(`${expression} is required`, expression);
  if (!isRecord(value)) throw wrongType(expression, 'an object', value);
  return value;
}

/** A JSON object, or undefined when absent. */
export function optionalObjectAt(value: unknown, expression: string): JsonObject | undefined {
  return value === undefined ? undefined : objectAt(value, expression);
}

/** A JSON array; an absent one reads as empty. */
export function arrayAt(value: unknown, expression: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw wrongType(expression, 'an array', value);
  return value;
}

/** A JSON array whose every item is an object (`expression[i]` names a bad one). */
export function objectsAt(value: unknown, expression: string): JsonObject[] {
  return arrayAt(value, expression).map((item, index) => objectAt(item, `${expression}[${index}]`));
}

/** A string that must be there. */
export function stringAt(value: unknown, expression: string): string {
  if (value === undefined) throw missing(`${expression} is required`, expression);
  if (typeof value !== 'string') throw wrongType(expression, 'a string', value);
  return value;
}

/** A string, or undefined when absent. */
export function optionalStringAt(value: unknown, expression: string): string | undefined {
  return value === undefined ? undefined : stringAt(value, expression);
}

/** What a value is, safe to put in a diagnostic whatever it is (a string is clipped). */
export function shownValue(value: unknown): string {
  return typeof value === 'string' ? `'${clip(value)}'` : describeJsonType(value);
}
