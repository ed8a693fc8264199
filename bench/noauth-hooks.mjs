/**
 * Module resolve hook of bench/noauth-preload.ts: the service's token verifier module (from src/
 * under tsx, or from the compiled build) resolves to bench/noauth-verify.ts, except when the stub
 * itself imports the real one. Plain JavaScript: hooks modules load before any TypeScript loader.
 */
const STUB = new URL('./noauth-verify.ts', import.meta.url).href;
const VERIFIER = /\/(src|dist)\/platform\/auth\/verify\.(ts|js)$/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (context.parentURL === STUB || !VERIFIER.test(new URL(resolved.url).pathname)) return resolved;
  return { ...resolved, url: STUB, shortCircuit: true };
}
