/**
 * Suites that need something outside Node (a PostgreSQL server, the nats-server binary, Chromium)
 * run when it is there. When it is missing they are not registered and one line says why, except
 * under REQUIRE_<NAME>=1 (set by .ci/run), where the missing dependency fails the run: CI cannot
 * go green by testing less.
 */
export function required(
  available: boolean,
  name: 'POSTGRES' | 'NATS' | 'BROWSER',
  missing: string,
): boolean {
  if (available) return true;
  if (process.env[`REQUIRE_${name}`] === '1') throw new Error(`REQUIRE_${name}=1 but ${missing}`);
  console.warn(`${name} suites not run: ${missing}`);
  return false;
}
