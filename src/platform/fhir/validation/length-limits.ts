/**
 * Lengths beyond FHIR's own 1 MB per string, for the elements that identify things: an
 * identifier, a code system or a reference is matched exactly (searches, uniqueness, message ids),
 * and no real one comes near these. Longer free text (names, addresses, notes) stays allowed: the
 * search index keeps a prefix of long values (migrations/0016) so it can never fail a write.
 */
export const LENGTH_LIMITS: Readonly<Record<string, ReadonlyArray<readonly [element: string, max: number]>>> =
  {
    Identifier: [
      ['system', 256],
      ['value', 256],
    ],
    Coding: [
      ['system', 256],
      ['code', 256],
    ],
    Reference: [['reference', 1024]],
  };

/** The elements of an object of `typeName` longer than allowed, with their limits. */
export function lengthProblems(typeName: string, object: Record<string, unknown>): Array<[string, number]> {
  const limits = LENGTH_LIMITS[typeName];
  if (!limits) return [];
  return limits.filter(([element, max]) => {
    const value = object[element];
    return typeof value === 'string' && value.length > max;
  }) as Array<[string, number]>;
}
