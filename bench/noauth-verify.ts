/**
 * Bench only (see noauth-preload.ts): what the service gets instead of the token verifier module.
 * Everything the real module exports is re-exported; only createTokenVerifier differs. It wraps
 * the real verifier and, while bypass is on (SIGHUP toggles it; it starts off), verifies only the
 * first token it is given and returns that principal for every later request without reading the
 * token: no cache lookup, no JWT parsing, no signature. The Authorization header, the authenticate
 * hook and the route policies stay as they are, so what the bypass leaves out is exactly the
 * verifier's own work; with bypass off the service verifies as always (one extra call).
 */
import type { Principal } from '../src/platform/auth/principal.js';
import {
  createTokenVerifier as createRealVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
} from '../src/platform/auth/verify.js';

export * from '../src/platform/auth/verify.js';

let bypass = false;
let first: Promise<Principal> | undefined;

process.on('SIGHUP', () => {
  bypass = !bypass;
  first = undefined;
  process.stderr.write(`bench: token verification ${bypass ? 'bypassed' : 'on'}\n`);
});

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const real = createRealVerifier(options);
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
