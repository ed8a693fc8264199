/**
 * A full verification of Pathways' own access tokens (the cache-miss path of
 * src/platform/auth/verify.ts), µs of CPU per new token, in this process:
 *   ROOT=/path/to/checkout npx tsx bench/suites/token-verify-cost.ts [N]
 * ROOT runs the same measurement against another checkout (the code before a change).
 */
const root = process.env.ROOT ?? process.cwd();
const n = Number(process.argv[2] ?? 3000);
// Typed as this checkout's modules, so `npm run typecheck` catches a helper that moves.
const { createTokenVerifier } = (await import(
  `${root}/src/platform/auth/verify.ts`
)) as typeof import('../../src/platform/auth/verify.js');
const { AUDIENCE, ISSUER, signToken, testKey } = (await import(
  `${root}/test/support/platform/auth.ts`
)) as typeof import('../../test/support/platform/auth.js');

const key = await testKey('k1');
const nowS = Math.floor(Date.now() / 1000);
const tokens: string[] = [];
for (let i = 0; i < n + 200; i++) tokens.push(await signToken(key, { sub: `account-${i}` }, { nowS }));
const verifier = createTokenVerifier({
  issuer: ISSUER,
  audience: AUDIENCE,
  localJwks: () => ({ keys: [key.publicJwk] }),
});
for (let i = 0; i < 200; i++) await verifier.verify(tokens[i]!);
const before = process.cpuUsage();
const started = performance.now();
for (let i = 200; i < n + 200; i++) await verifier.verify(tokens[i]!);
const cpu = process.cpuUsage(before);
process.stdout.write(
  `${root}: ${n} new tokens, ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU and ${(((performance.now() - started) * 1000) / n).toFixed(0)} µs wall per verification\n`,
);
