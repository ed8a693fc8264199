/**
 * Parsing of single search values, pure. Each function throws a Problem INVALID_VALUE naming the
 * parameter, so bad input becomes a 400 and never reaches SQL.
 */
import { invalid } from '../../errors/problem.js';
import { parseDateRange } from './date-range.js';
import type { DateCondition, DatePrefix, ReferenceCondition, TokenCondition } from './search-request.js';
import { parseReferenceLiteral } from './values.js';

/** Splits a parameter value on unescaped commas (OR) and removes the `\` escapes. */
export function splitOrValues(raw: string): string[] {
  return splitUnescaped(raw, ',').map(unescapeValue);
}

/** Splits on the first unescaped `|`; the parts keep their escapes removed. */
export function splitSystem(value: string): [string | undefined, string] {
  const parts = splitUnescaped(value, '|');
  if (parts.length === 1) return [undefined, unescapeValue(parts[0] ?? '')];
  return [unescapeValue(parts[0] ?? ''), unescapeValue(parts.slice(1).join('|'))];
}

function splitUnescaped(raw: string, separator: ',' | '|'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char === '\\' && i + 1 < raw.length) {
      current += char + raw[i + 1];
      i++;
    } else if (char === separator) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

function unescapeValue(value: string): string {
  return value.replace(/\\([,|$\\])/g, '$1');
}

/**
 * An EPS prescription ID's check character can be `+`, which a query string that was not
 * percent-encoded turns into a space. A prescription ID never contains a space, so an ID-shaped
 * value ending in one is read as the `+` it must have been: a pharmacy system that forgot to
 * encode still finds the prescription.
 */
const PRESCRIPTION_ID_WITH_SPACE = /^[0-9A-F]{6}-[0-9A-Z]{6}-[0-9A-F]{5} $/i;

export function restoreUnencodedPlus(value: string): string {
  return PRESCRIPTION_ID_WITH_SPACE.test(value) ? `${value.slice(0, -1)}+` : value;
}

/** Token values keep their escapes until the `|` split, so split before unescaping. */
export function parseTokenValues(raw: string, name: string): TokenCondition[] {
  return splitUnescaped(raw, ',').map((value) => {
    const [system, unrestored] = splitSystem(value);
    const code = restoreUnencodedPlus(unrestored);
    if (system === undefined) {
      if (code === '') throw invalid(`Search parameter ${name} has an empty value`, name);
      return { system: undefined, code };
    }
    if (system === '' && code === '') throw invalid(`Search parameter ${name} has an empty value`, name);
    return { system: system === '' ? null : system, code: code === '' ? undefined : code };
  });
}

export function parseReferenceValues(
  raw: string,
  name: string,
  typeModifier: string | undefined,
): ReferenceCondition[] {
  return splitOrValues(raw).map((value) => {
    if (value === '') throw invalid(`Search parameter ${name} has an empty value`, name);
    if (!value.includes('/')) return { kind: 'literal', type: typeModifier, id: value };
    const literal = parseReferenceLiteral(value);
    if (!literal) throw invalid(`Search parameter ${name}: '${value}' is not a reference`, name);
    if (typeModifier && literal.type && literal.type !== typeModifier) {
      throw invalid(`Search parameter ${name}: '${value}' is not a ${typeModifier}`, name);
    }
    return { kind: 'literal', type: literal.type ?? typeModifier, id: literal.id };
  });
}

/** `:identifier` values are tokens over Reference.identifier. */
export function parseReferenceIdentifierValues(raw: string, name: string): ReferenceCondition[] {
  return parseTokenValues(raw, name).map((token) => ({
    kind: 'identifier',
    system: token.system,
    value: token.code,
  }));
}

const DATE_PREFIXES = new Set<string>(['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap']);

export function parseDateCondition(value: string, name: string): DateCondition {
  let prefix: DatePrefix = 'eq';
  let text = value;
  const head = value.slice(0, 2);
  if (/^[a-z]{2}/.test(head)) {
    if (!DATE_PREFIXES.has(head)) throw invalid(`Search parameter ${name}: unknown prefix '${head}'`, name);
    prefix = head as DatePrefix;
    text = value.slice(2);
  }
  const range = parseDateRange(text);
  if (!range) {
    throw invalid(
      `Search parameter ${name}: '${value}' is not a date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|±hh:mm])`,
      name,
    );
  }
  return { prefix, range };
}

export function parseDateValues(raw: string, name: string): DateCondition[] {
  return splitOrValues(raw).map((value) => parseDateCondition(value, name));
}

/** Non-empty plain values (string and uri parameters, `_id`). */
export function parsePlainValues(raw: string, name: string): string[] {
  const values = splitOrValues(raw);
  if (values.some((value) => value.trim() === ''))
    throw invalid(`Search parameter ${name} has an empty value`, name);
  return values;
}

export function parseBoolean(raw: string, name: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalid(`Search parameter ${name} must be true or false`, name);
}

/**
 * A non-negative FHIR integer within bounds, for `_count` and `_offset`. No leading zeros: `00`
 * is not a FHIR integer, and a second spelling of 0 is how a count once slipped past a guard.
 */
export function parseNonNegativeInteger(raw: string, name: string, max: number): number {
  if (!/^(0|[1-9]\d{0,8})$/.test(raw)) throw invalid(`${name} must be a non-negative integer`, name);
  return Math.min(Number(raw), max);
}
