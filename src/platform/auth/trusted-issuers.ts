/**
 * `TRUSTED_ISSUERS`: the external identity providers (e.g. a health board's own IdP) whose access
 * tokens Pathways accepts, and how their claims map onto a Principal. A JSON array, e.g.
 *
 *   [{"issuer":"https://idp.example","audience":"pathways","rolesClaim":"roles",
 *     "roleMap":{"GP":"prescriber"},"fhirUserClaim":"fhirUser","orgClaim":"org"}]
 *
 * Parsed once at start; any mistake stops the start with one line naming TRUSTED_ISSUERS, because
 * a half-understood trust configuration is worse than none.
 */
import { isRole, type Role } from './principal.js';

/** Asymmetric algorithms only: an HMAC "key" would be a secret shared with every verifier. */
export const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];

export interface TrustedIssuerConfig {
  /** Exact `iss` value; its `/.well-known/openid-configuration` is used when `jwksUri` is absent. */
  issuer: string;
  /** Accepted `aud` value(s): the token must name at least one. */
  audience: string | string[];
  jwksUri?: string;
  /** Claim holding the roles (string or array); dots walk into objects, e.g. `realm_access.roles`. */
  rolesClaim?: string;
  /** External role value → Pathways role. Absent: values that already are Pathways roles count. */
  roleMap?: Record<string, Role>;
  fhirUserClaim?: string;
  orgClaim?: string;
  /**
   * External `amr` value → the value Pathways checks, e.g. `{"mfa":"otp"}` for an IdP that says
   * `mfa` for a second factor (step-up needs `otp`). Unmapped values pass through unchanged.
   */
  amrMap?: Record<string, string>;
  /** Claim with the scopes: a space-separated string (`scope`) or an array (`scp`). */
  scopeClaim?: string;
  algorithms?: string[];
  /** Longest accepted `exp - iat`, in seconds (default 3600). */
  maxLifetimeS?: number;
}

const KEYS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'rolesClaim',
  'roleMap',
  'amrMap',
  'fhirUserClaim',
  'orgClaim',
  'scopeClaim',
  'algorithms',
  'maxLifetimeS',
]);

/** `message` names TRUSTED_ISSUERS; `detail` is the same line without it (for config's ConfigError). */
export class TrustedIssuersError extends Error {
  constructor(readonly detail: string) {
    super(`TRUSTED_ISSUERS: ${detail}`);
    this.name = 'TrustedIssuersError';
  }
}
const ConfigError = TrustedIssuersError;

/** http is only for an IdP on this machine (tests, local development). */
export function isLoopbackHost(hostname: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(hostname);
}

function checkUrl(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${where} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(`${where} must use https (http only for localhost): ${value}`);
  }
  return value;
}

function checkName(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_:\-./]{1,200}$/.test(value)) {
    throw new ConfigError(`${where} must be a claim name`);
  }
  return value;
}

function parseOne(entry: unknown, index: number): TrustedIssuerConfig {
  const at = `entry ${index}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(`${at} must be an object`);
  }
  const record = entry as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.has(key)) throw new ConfigError(`${at} has an unknown key "${key}"`);
  }
  const issuer = checkUrl(record.issuer, `${at}.issuer`);
  const audience = record.audience;
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (audiences.length === 0 || !audiences.every((value) => typeof value === 'string' && value.length > 0)) {
    throw new ConfigError(`${at}.audience must be a non-empty string or array of strings`);
  }
  const config: TrustedIssuerConfig = { issuer, audience: audience as string | string[] };
  if (record.jwksUri !== undefined) config.jwksUri = checkUrl(record.jwksUri, `${at}.jwksUri`);
  for (const key of ['rolesClaim', 'fhirUserClaim', 'orgClaim', 'scopeClaim'] as const) {
    const name = checkName(record[key], `${at}.${key}`);
    if (name !== undefined) config[key] = name;
  }
  if (record.roleMap !== undefined) {
    const map = record.roleMap;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new ConfigError(`${at}.roleMap must be an object of external role → Pathways role`);
    }
    const roleMap: Record<string, Role> = {};
    for (const [from, to] of Object.entries(map)) {
      if (!isRole(to)) throw new ConfigError(`${at}.roleMap.${from}: ${JSON.stringify(to)} is not a role`);
      roleMap[from] = to;
    }
    config.roleMap = roleMap;
  }
  if (record.amrMap !== undefined) {
    const map = record.amrMap;
    if (
      typeof map !== 'object' ||
      map === null ||
      Array.isArray(map) ||
      !Object.values(map).every((value) => typeof value === 'string' && value.length > 0)
    ) {
      throw new ConfigError(`${at}.amrMap must be an object of external amr value → amr value`);
    }
    config.amrMap = { ...(map as Record<string, string>) };
  }
  if (record.algorithms !== undefined) {
    const algorithms = record.algorithms;
    if (
      !Array.isArray(algorithms) ||
      algorithms.length === 0 ||
      !algorithms.every((alg) => EXTERNAL_ALGORITHMS.includes(alg as string))
    ) {
      throw new ConfigError(
        `${at}.algorithms must be a non-empty subset of ${EXTERNAL_ALGORITHMS.join(', ')}`,
      );
    }
    config.algorithms = algorithms as string[];
  }
  if (record.maxLifetimeS !== undefined) {
    const max = record.maxLifetimeS;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 60 || max > 86_400) {
      throw new ConfigError(`${at}.maxLifetimeS must be an integer from 60 to 86400`);
    }
    config.maxLifetimeS = max;
  }
  return config;
}

/**
 * Parses the TRUSTED_ISSUERS value (unset or blank = none). `localIssuer` is refused as an entry:
 * Pathways' own tokens are verified against its own keys only.
 */
export function parseTrustedIssuers(raw: string | undefined, localIssuer?: string): TrustedIssuerConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError('must be a JSON array of issuer objects');
  const configs = parsed.map(parseOne);
  const seen = new Set<string>();
  for (const config of configs) {
    if (seen.has(config.issuer)) throw new ConfigError(`issuer ${config.issuer} is listed twice`);
    if (config.issuer === localIssuer) throw new ConfigError(`issuer ${config.issuer} is Pathways itself`);
    seen.add(config.issuer);
  }
  return configs;
}
