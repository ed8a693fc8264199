/**
 * Security headers (helmet's defaults, our Content-Security-Policy, HSTS), computed once at start
 * and set on every response. @fastify/helmet rebuilds the middleware and re-parses the policy on
 * every request (measured at 8–9 % of a read's CPU in docs/benchmarks.md); the headers never
 * change between requests, so they are worked out once here with helmet itself.
 */
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

export const SECURITY_HEADER_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
    },
  },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
};

/** The headers helmet would set with these options (and the ones it would remove). */
export function computeSecurityHeaders(options: HelmetOptions): {
  set: Record<string, string>;
  remove: string[];
} {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete set[name.toLowerCase()];
      remove.push(name.toLowerCase());
    },
  };
  let done = false;
  helmet(options)({} as never, response as never, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously');
  return { set, remove };
}

/**
 * The options for a service published at `publicUrl`. Served over plain http (a laptop, a LAN
 * address), `upgrade-insecure-requests` would make browsers fetch the pages' own scripts and
 * styles over https, which is not there: it is left out then.
 */
export function securityHeaderOptions(publicUrl: string): HelmetOptions {
  if (!publicUrl.startsWith('http:')) return SECURITY_HEADER_OPTIONS;
  const csp = SECURITY_HEADER_OPTIONS.contentSecurityPolicy as { directives: Record<string, unknown> };
  return {
    ...SECURITY_HEADER_OPTIONS,
    contentSecurityPolicy: { directives: { ...csp.directives, upgradeInsecureRequests: null } },
  };
}

export function registerSecurityHeaders(
  app: FastifyInstance,
  options: HelmetOptions = SECURITY_HEADER_OPTIONS,
): void {
  const { set, remove } = computeSecurityHeaders(options);
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(set);
    for (const name of remove) reply.removeHeader(name);
  });
}
