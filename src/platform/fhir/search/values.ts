/**
 * Turns the values a search parameter's expression yields (codes, Codings, Identifiers, References,
 * Periods, HumanNames, …) into index entries. The FHIR type is recognised by shape, so the
 * structure definitions never have to be loaded; anything unrecognised is simply not indexed.
 */
import { type DateRange, parseDateRange, periodRange } from './date-range.js';

export interface TokenEntry {
  system: string | null;
  value: string;
}

export interface ReferenceEntry {
  targetType: string | null;
  targetId: string | null;
  identifierSystem: string | null;
  identifierValue: string | null;
}

export interface StringEntry {
  value: string;
  exact: string;
}

/** Lower-case with accents removed, as both indexed strings and search values are compared. */
export function normaliseString(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

const LITERAL_REFERENCE =
  /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * `Patient/1`, `Patient/1/_history/2` and `https://host/fhir/R4/Patient/1` are all Patient 1; any
 * other reference (`urn:uuid:…`) is kept whole as an id without a type. Contained (`#x`) → none.
 */
export function parseReferenceLiteral(reference: string): { type: string | null; id: string } | undefined {
  if (reference.length === 0 || reference.startsWith('#')) return undefined;
  const match = LITERAL_REFERENCE.exec(reference);
  if (match) return { type: match[1] ?? null, id: match[2] ?? '' };
  return { type: null, id: reference };
}

/** ContactPoint.system is a code, not a URI; its values are searched without it. */
const CONTACT_POINT_SYSTEMS = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);

export function tokenEntries(value: unknown, out: TokenEntry[] = []): TokenEntry[] {
  if (typeof value === 'string') {
    if (value.length > 0) out.push({ system: null, value });
  } else if (typeof value === 'boolean' || typeof value === 'number') {
    out.push({ system: null, value: String(value) });
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.coding)) {
      for (const coding of object.coding) tokenEntries(coding, out);
    } else if (typeof object.code === 'string' && object.code.length > 0) {
      out.push({ system: stringOrNull(object.system), value: object.code });
    } else if (typeof object.value === 'string' && object.value.length > 0) {
      const system = stringOrNull(object.system);
      const isContactPoint = system !== null && CONTACT_POINT_SYSTEMS.has(system);
      out.push({ system: isContactPoint ? null : system, value: object.value });
    }
  }
  return out;
}

/** uri parameters: the value itself, compared exactly. */
export function uriEntries(value: unknown, out: TokenEntry[] = []): TokenEntry[] {
  if (typeof value === 'string' && value.length > 0) out.push({ system: null, value });
  return out;
}

export function referenceEntries(value: unknown, out: ReferenceEntry[] = []): ReferenceEntry[] {
  if (typeof value === 'string') {
    // canonical and uri values in reference parameters
    const literal = parseReferenceLiteral(value);
    if (literal)
      out.push({
        targetType: literal.type,
        targetId: literal.id,
        identifierSystem: null,
        identifierValue: null,
      });
    return out;
  }
  if (typeof value !== 'object' || value === null) return out;
  const reference = value as { reference?: unknown; type?: unknown; identifier?: unknown };
  const literal =
    typeof reference.reference === 'string' ? parseReferenceLiteral(reference.reference) : undefined;
  const identifier =
    typeof reference.identifier === 'object' && reference.identifier !== null
      ? (reference.identifier as { system?: unknown; value?: unknown })
      : undefined;
  const identifierValue = identifier && typeof identifier.value === 'string' ? identifier.value : null;
  if (!literal && identifierValue === null) return out;
  out.push({
    targetType: literal?.type ?? stringOrNull(reference.type),
    targetId: literal?.id ?? null,
    identifierSystem: identifierValue === null ? null : stringOrNull(identifier?.system),
    identifierValue,
  });
  return out;
}

export function dateEntries(value: unknown, out: DateRange[] = []): DateRange[] {
  if (typeof value === 'string') {
    const range = parseDateRange(value);
    if (range) out.push(range);
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if ('start' in object || 'end' in object) {
      const range = periodRange(stringOrUndefined(object.start), stringOrUndefined(object.end));
      if (range) out.push(range);
    } else if (Array.isArray(object.event)) {
      // Timing: each event time
      for (const event of object.event) dateEntries(event, out);
    }
  }
  return out;
}

const NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'] as const;
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'] as const;

/**
 * Strings, and the parts of a HumanName or Address, each searchable on its own. A HumanName also
 * gives "given family" so that `name=ann smi` finds Ann Smith.
 */
export function stringEntries(value: unknown, out: StringEntry[] = []): StringEntry[] {
  if (typeof value === 'string') {
    const normalised = normaliseString(value);
    if (normalised.length > 0) out.push({ value: normalised, exact: value });
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    const isName = 'family' in object || 'given' in object;
    for (const part of isName ? NAME_PARTS : ADDRESS_PARTS) {
      const partValue = object[part];
      for (const text of Array.isArray(partValue) ? partValue : [partValue]) stringEntries(text, out);
    }
    if (isName) {
      const given = Array.isArray(object.given)
        ? object.given.filter((text) => typeof text === 'string')
        : [];
      const full = [...given, object.family].filter((text) => typeof text === 'string').join(' ');
      if (full.includes(' ')) stringEntries(full, out);
    }
  }
  return out;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
