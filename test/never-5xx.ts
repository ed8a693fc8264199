/**
 * Generators for the "never 5xx" property suites: any JSON, and — more searching — a valid body
 * with one element replaced by any JSON value or removed, so the generated bodies get past the
 * first checks and reach the code behind them.
 */
import fc from 'fast-check';

type Path = Array<string | number>;

/** Every path to an element of `value` (objects' keys and arrays' indexes), the root excluded. */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push([...prefix, index]);
      pathsOf(item, [...prefix, index], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      pathsOf(item, [...prefix, key], out);
    }
  }
  return out;
}

const REMOVE = Symbol('remove');

/** A copy of `value` with the element at `path` replaced (or removed). */
export function replaced(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

/** Awkward JSON values: wrong types, empties, huge and odd strings, objects posing as strings. */
export const awkwardJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    '',
    ' ',
    0,
    -1,
    1e308,
    true,
    [],
    {},
    [null],
    { toString: 'x' },
    '\ud800',
    'x'.repeat(5_000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** `valid` with one element replaced by an awkward value or removed (as JSON text). */
export function mutatedBody(valid: unknown): fc.Arbitrary<string> {
  const paths = pathsOf(valid);
  return fc
    .tuple(fc.nat({ max: paths.length - 1 }), fc.oneof(awkwardJson, fc.constant(REMOVE)))
    .map(([index, replacement]) => JSON.stringify(replaced(valid, paths[index]!, replacement)));
}

/** Any body: mostly a mutated valid one, sometimes any JSON at all. */
export function bodies(valid: unknown): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: mutatedBody(valid) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  );
}

/** A status code that is not a server error (with the body, for the failure message). */
export function isNot5xx(response: { statusCode: number; body: string }): boolean {
  return response.statusCode < 500;
}
