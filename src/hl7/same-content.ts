/**
 * Whether two versions of a resource say the same thing, whatever the order of their keys and
 * their `meta`: a store-created resource's `id` is not where a built one has it, so comparing the
 * text would see a change where there is none.
 */
import type { Resource } from '@medplum/fhirtypes';

/** JSON with every object's keys in order: the stored text keeps the order it was created in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

export function sameContent(a: Resource, b: Resource): boolean {
  const { meta: _a, ...left } = a;
  const { meta: _b, ...right } = b;
  return canonical(left) === canonical(right);
}
