/** The FHIR REST API under /fhir/R4, as one encapsulated fastify plugin. */
import type { FastifyInstance } from 'fastify';
import { protect } from '../../auth/fastify.js';
import { Problem } from '../../errors/problem.js';
import type { CapabilityRegistry } from '../capability.js';
import type { FhirDeps } from './deps.js';
import { registerSearchAndHistory } from './history-search.js';
import { registerRead } from './read.js';
import { registerSystem } from './system.js';
import { registerWrite } from './write.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route negotiates its own formats (Bulk Data NDJSON files, ViewDefinition/$run CSV):
     * the JSON-only Accept / `_format` check below leaves it to the route.
     */
    ownFormats?: boolean;
  }
}

export type FhirApiDeps = FhirDeps & { capabilities: CapabilityRegistry; version: string };

/** JSON is the only format served: asking for XML (or anything else) is 406, not a JSON surprise. */
function acceptsJson(accept: string | undefined, format: string | null): boolean {
  if (format !== null) return ['json', 'application/json', 'application/fhir+json'].includes(format);
  if (!accept) return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .some((type) => ['*/*', 'application/*', 'application/json', 'application/fhir+json'].includes(type));
}

export async function fhirApi(app: FastifyInstance, deps: FhirApiDeps): Promise<void> {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.ownFormats) return;
    const query = request.url.includes('?') ? new URLSearchParams(request.url.split('?')[1]) : undefined;
    if (!acceptsJson(request.headers.accept, query?.get('_format') ?? null)) {
      throw new Problem('NOT_ACCEPTABLE', 'Only FHIR JSON is served: ask for application/fhir+json');
    }
  });
  // Every /fhir route declares its access (config.access), the capabilities' ones too (they are
  // registered in this scope): a bearer token is needed except for the CapabilityStatement, which
  // declares itself public (SMART on FHIR and FHIR R4 http.html#capabilities). After the format
  // check above, as before: a request for XML is 406 whoever asks.
  protect(app, deps.access, { requireDeclaredPolicy: true });
  registerSystem(app, deps);
  registerSearchAndHistory(app, deps);
  registerRead(app, deps);
  registerWrite(app, deps);
}
