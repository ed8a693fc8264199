/**
 * Bench only: `pathways serve` with a token verifier that SIGHUP switches to a bypass, for the
 * auth suite's run (c). `node --import tsx bench/harness/noauth-server.ts <serve module>`, where the
 * module is src/serve.ts or the compiled bench/.build/dist/serve.js, so the server runs the same
 * code as the other runs; the verifier is wrapped through `BuildOptions.wrapTokenVerifier`.
 *
 * The wrapper passes every call to the real verifier until bypass is on (SIGHUP toggles it; it
 * starts off); then it verifies only the first token it is given and returns that principal for
 * every later request without reading the token: no cache lookup, no JWT parsing, no signature.
 * The Authorization header, the authenticate hook and the route policies stay as they are, so what
 * the bypass leaves out is exactly the verifier's own work.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Principal } from '../../src/platform/auth/principal.js';
import type { TokenVerifier } from '../../src/platform/auth/verify.js';
import type * as ConfigModule from '../../src/platform/config/config.js';
import type * as ServeModule from '../../src/serve.js';

let bypass = false;
let first: Promise<Principal> | undefined;

process.on('SIGHUP', () => {
  bypass = !bypass;
  first = undefined;
  process.stderr.write(`bench: token verification ${bypass ? 'bypassed' : 'on'}\n`);
});

function bypassable(real: TokenVerifier): TokenVerifier {
  return {
    stats: real.stats,
    verify(bearer) {
      if (!bypass) return real.verify(bearer);
      if (!first) {
        first = real.verify(bearer);
        // A refused first token must not stand for every later one.
        first.catch(() => {
          first = undefined;
        });
      }
      return first;
    },
  };
}

function fail(message: string): never {
  process.stderr.write(`pathways: ${message}\n`);
  process.exit(2);
}

const serveFile = process.argv[2];
if (!serveFile || !/serve\.(ts|js)$/.test(serveFile))
  fail('usage: noauth-server.ts <src/serve.ts | …/dist/serve.js>');
const serveUrl = pathToFileURL(path.resolve(serveFile));
// The configuration module of the same tree (source or compiled), so its ConfigError is serve's.
const configUrl = new URL(`platform/config/config${path.extname(serveFile)}`, serveUrl);
const { loadConfig } = (await import(configUrl.href)) as typeof ConfigModule;
const { serve } = (await import(serveUrl.href)) as typeof ServeModule;
await serve(loadConfig(), fail, { wrapTokenVerifier: bypassable });
