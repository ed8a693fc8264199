/**
 * Nothing the service answers may be kept by a browser or a proxy unless its route says so:
 * patient data, tokens and account details must not outlive the response (docs/api.md §3,
 * "every authenticated response: Cache-Control: no-store"). Every response that leaves without a
 * Cache-Control of its own gets `no-store` (and `Pragma: no-cache` for HTTP/1.0 proxies) —
 * errors, 404s and 401s included. Public files that are meant to be cached (the portal's hashed
 * assets, the CA certificate, JWKS, discovery) set their own Cache-Control and keep it.
 */
import type { FastifyInstance } from 'fastify';

/** Set once, shared by every response (no per-request objects). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});

export function registerNoStoreByDefault(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.headers(NO_STORE_HEADERS);
    done(null, payload);
  });
}
