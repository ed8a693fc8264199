/**
 * SMART on FHIR scopes (App Launch 2.x, with the 1.0 `read`/`write`/`*` forms) as pure rules: what
 * a user's token is granted from what an app asked for, and whether a token's scopes allow one FHIR
 * interaction. Scopes only ever narrow: the roles, organisation and patient binding of the access
 * policies still decide everything else (a `patient/*.rs` token reads only its own compartment
 * because the patient binding says so, not because of the scope).
 */

export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';
export type ScopeContext = 'patient' | 'user' | 'system';

export interface ResourceScope {
  context: ScopeContext;
  /** A resource type, or `*`. */
  type: string;
  permissions: ReadonlySet<Interaction>;
}

const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Z][A-Za-z]{1,63}|\*)\.([a-z*]+)(\?.*)?$/;
const V2_PERMISSIONS = /^c?r?u?d?s?$/;
const ALL: readonly Interaction[] = ['c', 'r', 'u', 'd', 's'];

/** `patient/Observation.rs`, `user/*.cruds`, `patient/*.read`, `system/*.*` → its parts; else undefined. */
export function parseResourceScope(scope: string): ResourceScope | undefined {
  const match = RESOURCE_SCOPE.exec(scope);
  if (!match) return undefined;
  const [, context, type, permission, query] = match;
  // Granular scopes with a query (`?category=…`) are not supported: they grant nothing.
  if (query !== undefined) return undefined;
  const permissions = permissionsOf(permission!);
  if (!permissions) return undefined;
  return { context: context as ScopeContext, type: type!, permissions };
}

function permissionsOf(permission: string): Set<Interaction> | undefined {
  if (permission === '*') return new Set(ALL);
  if (permission === 'read') return new Set(['r', 's']);
  if (permission === 'write') return new Set(['c', 'u', 'd']);
  if (permission === '' || !V2_PERMISSIONS.test(permission)) return undefined;
  return new Set([...permission] as Interaction[]);
}

/** Does this token carry SMART scopes at all? Tokens without any are governed by their roles alone. */
export function hasSmartScopes(scopes: readonly string[]): boolean {
  return scopes.some((scope) => scope.startsWith('launch') || parseResourceScope(scope) !== undefined);
}

/**
 * May a token with these scopes do `interaction` on `resourceType` (undefined for a system-level
 * call such as `$process-message` or a transaction, which needs a `*` scope)?
 */
export function scopesAllow(
  scopes: readonly string[],
  resourceType: string | undefined,
  interaction: Interaction,
): boolean {
  return scopes.some((scope) => {
    const parsed = parseResourceScope(scope);
    if (!parsed || !parsed.permissions.has(interaction)) return false;
    return parsed.type === '*' || parsed.type === resourceType;
  });
}

/** What a person's token may carry besides resource scopes. */
const IDENTITY_SCOPES = new Set(['openid', 'fhirUser', 'offline_access', 'online_access']);

/**
 * The scope granted to a person who signed in for an app that asked for `requested`: the parts
 * that fit the person, the rest dropped (RFC 6749 §3.3: the token response says what was granted).
 * A patient gets `patient/` scopes and `launch/patient` (standalone launch: the patient is the
 * person); staff get `user/` scopes. `system/` scopes are for system clients only. Without a
 * request the role's default applies (`fallback`). When nothing the app asked for would give it
 * access to a resource, nothing is granted (undefined → `invalid_scope`): a token without resource
 * scopes would otherwise be governed by its roles alone, more than the app asked for.
 */
export function grantUserScope(
  role: string,
  requested: string | undefined,
  fallback: string,
): string | undefined {
  const asked = (requested ?? '').split(/\s+/).filter((part) => part.length > 0);
  if (asked.length === 0) return fallback;
  const context: ScopeContext = role === 'patient' ? 'patient' : 'user';
  const granted = asked.filter((scope) => {
    if (IDENTITY_SCOPES.has(scope)) return true;
    if (scope === 'launch/patient') return role === 'patient';
    return parseResourceScope(scope)?.context === context;
  });
  if (!granted.some((scope) => parseResourceScope(scope) !== undefined)) return undefined;
  return [...new Set(granted)].join(' ');
}

/** The SMART interaction a FHIR request is, and the resource type it is on (undefined: system level). */
export function interactionOf(
  method: string,
  pathAfterBase: string,
): { resourceType: string | undefined; interaction: Interaction } {
  const segments = pathAfterBase
    .split('?')[0]!
    .split('/')
    .filter((segment) => segment.length > 0);
  const first = segments[0];
  const resourceType = first !== undefined && /^[A-Z]/.test(first) ? first : undefined;
  const operation = segments.find((segment) => segment.startsWith('$'));
  const verb = method.toUpperCase();
  if (verb === 'GET' || verb === 'HEAD') {
    // A read of one resource (and its history) is `r`; a type or system search or history is `s`.
    return { resourceType, interaction: resourceType && segments.length >= 2 && !operation ? 'r' : 's' };
  }
  if (verb === 'POST' && segments[1] === '_search') return { resourceType, interaction: 's' };
  if (verb === 'PUT' || verb === 'PATCH') return { resourceType, interaction: 'u' };
  if (verb === 'DELETE') return { resourceType, interaction: 'd' };
  // POST: a create, a transaction, or an operation (which changes something): `c`.
  return { resourceType, interaction: 'c' };
}
