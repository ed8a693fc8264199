/**
 * The FHIRPath comparisons R4 invariants make (`start <= end`, `low <= high`), with FHIRPath's
 * rule that values of different precision may be incomparable: then the answer is undefined and
 * the invariant is given the benefit of the doubt.
 */

/** Negative, zero or positive as a is before, equal to or after b; undefined when incomparable. */
export function compareDateTimes(a: string, b: string): number | undefined {
  const aHasTime = a.includes('T');
  const bHasTime = b.includes('T');
  if (aHasTime && bHasTime) {
    const aMs = Date.parse(a);
    const bMs = Date.parse(b);
    return Number.isNaN(aMs) || Number.isNaN(bMs) ? undefined : aMs - bMs;
  }
  // Dates (YYYY, YYYY-MM, YYYY-MM-DD) order as text over their common precision; where that
  // common part is equal, the less precise value could be either side of the other.
  const aDate = aHasTime ? a.slice(0, 10) : a;
  const bDate = bHasTime ? b.slice(0, 10) : b;
  const common = Math.min(aDate.length, bDate.length);
  const aPrefix = aDate.slice(0, common);
  const bPrefix = bDate.slice(0, common);
  if (aPrefix !== bPrefix) return aPrefix < bPrefix ? -1 : 1;
  return aDate.length === bDate.length && !aHasTime && !bHasTime ? 0 : undefined;
}

/** Compares two Quantities' values when they are in the same unit; undefined otherwise. */
export function compareQuantities(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): number | undefined {
  const aValue = a['value'];
  const bValue = b['value'];
  if (typeof aValue !== 'number' || typeof bValue !== 'number') return undefined;
  const sameUnit =
    a['system'] === b['system'] &&
    a['code'] === b['code'] &&
    (a['code'] !== undefined || a['unit'] === b['unit']);
  return sameUnit ? aValue - bValue : undefined;
}

/** FHIRPath equality of complex values: the same elements with the same values. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
