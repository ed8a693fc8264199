/**
 * Applies a token's SMART scopes to every FHIR request (smart-scopes.ts): a token that carries
 * SMART scopes may only do the interactions they name, on top of what its roles allow. Tokens
 * without SMART scopes (a trusted issuer's, mapped by role) are governed by their roles alone.
 */
import type { FastifyInstance } from 'fastify';
import { insufficientScope } from './challenge.js';
import { hasSmartScopes, interactionOf, scopesAllow } from './smart-scopes.js';

export const FHIR_BASE_PATH = '/fhir/R4';

/** Add at the root before the FHIR routes are registered: a root preHandler runs for all of them. */
export function enforceSmartScopes(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (!principal || !request.url.startsWith(`${FHIR_BASE_PATH}/`)) return;
    if (!hasSmartScopes(principal.scopes)) return;
    const { resourceType, interaction } = interactionOf(
      request.method,
      request.url.slice(FHIR_BASE_PATH.length),
    );
    if (scopesAllow(principal.scopes, resourceType, interaction)) return;
    // A person's token names its app in client_id too; only a system client's has no session.
    const context = principal.roles.includes('patient')
      ? 'patient'
      : principal.clientId && !principal.sessionId
        ? 'system'
        : 'user';
    throw insufficientScope([`${context}/${resourceType ?? '*'}.${interaction}`]);
  });
}
