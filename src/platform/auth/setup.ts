/**
 * Builds the verifier and the access control the server installs, from the settings it already
 * has plus TRUSTED_ISSUERS. Pathways' tokens: `iss` = PUBLIC_URL (no trailing slash), `aud` =
 * `${iss}/fhir/R4` (the same derivation as identity/oauth `issuerOf`).
 */
import type { JSONWebKeySet } from 'jose';
import type { Registry } from 'prom-client';
import type { AuditInput } from '../audit/audit-event.js';
import { type AccessControl, type AccessControlDeps, createAccessControl } from './fastify.js';
import { parseTrustedIssuers } from './trusted-issuers.js';
import { createTokenVerifier, type TokenVerifier } from './verify.js';

export interface AuthSetupOptions {
  publicUrl: string;
  stepUpMaxAgeS: number;
  /** Raw TRUSTED_ISSUERS (process.env.TRUSTED_ISSUERS); a bad value throws one line naming it. */
  trustedIssuers: string | undefined;
  /** e.g. `() => keyStore.publicJwks()`. */
  localJwks: () => Promise<JSONWebKeySet> | JSONWebKeySet;
  audit: { record(input: AuditInput): Promise<void> };
  metrics: Registry;
  /** The declared read rules (fhir/resource-rules.ts): which types are open to every patient. */
  reads: AccessControlDeps['reads'];
  log?: { warn: (object: object, message: string) => void };
}

export function setUpAuth(options: AuthSetupOptions): { verifier: TokenVerifier; access: AccessControl } {
  const issuer = options.publicUrl.replace(/\/+$/, '');
  const verifier = createTokenVerifier({
    issuer,
    audience: `${issuer}/fhir/R4`,
    localJwks: options.localJwks,
    trustedIssuers: parseTrustedIssuers(options.trustedIssuers, issuer),
    ...(options.log ? { log: options.log } : {}),
  });
  const access = createAccessControl({
    verifier,
    audit: options.audit,
    metrics: options.metrics,
    stepUpMaxAgeS: options.stepUpMaxAgeS,
    reads: options.reads,
  });
  return { verifier, access };
}
