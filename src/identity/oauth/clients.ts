/**
 * System clients: machines (a GP system, a pharmacy system) that authenticate with a signed JWT
 * (private_key_jwt) and get tokens through client_credentials. Only their public keys are stored.
 *
 * A client may be registered with roles: the token's `roles` are exactly those, so a pharmacy
 * system registered as `dispenser` with `--org` acts as that pharmacy. Without roles the client
 * has scopes only and the role-based policy grants it nothing. A system client never has a
 * `fhirUser`, so it can never act as (or sign as) a prescriber in person.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importJWK, type JWK } from 'jose';
import { ODS_CODE } from '../../nhs/index.js';
import { isRole, type Role } from '../../platform/auth/principal.js';
import type { Queryable } from '../../platform/database/database.js';
import { splitScope } from './claims.js';

export const CLIENT_ASSERTION_ALGS = ['ES256', 'RS256', 'PS256'] as const;

export interface OAuthClient {
  clientId: string;
  name: string;
  jwks: { keys: JWK[] };
  scope: string;
  roles: Role[];
  org: string | null;
  status: 'active' | 'disabled';
}

export class ClientRegistrationError extends Error {
  override name = 'ClientRegistrationError';
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Checks a JWKS holds only usable public EC/RSA signing keys (pure apart from key import). */
export async function validateClientJwks(value: unknown): Promise<{ keys: JWK[] }> {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ClientRegistrationError('the JWKS must be {"keys": [...]} with at least one key');
  }
  for (const [index, key] of (keys as JWK[]).entries()) {
    if (typeof key !== 'object' || key === null)
      throw new ClientRegistrationError(`key ${index} is not an object`);
    if (PRIVATE_MEMBERS.some((member) => member in key)) {
      throw new ClientRegistrationError(
        `key ${index} contains private key material; register public keys only`,
      );
    }
    if (key.kty !== 'EC' && key.kty !== 'RSA') {
      throw new ClientRegistrationError(`key ${index}: kty must be EC or RSA`);
    }
    if (key.use !== undefined && key.use !== 'sig')
      throw new ClientRegistrationError(`key ${index}: use must be sig`);
    const alg = key.alg ?? (key.kty === 'EC' ? 'ES256' : 'RS256');
    if (!(CLIENT_ASSERTION_ALGS as readonly string[]).includes(alg)) {
      throw new ClientRegistrationError(
        `key ${index}: alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`,
      );
    }
    try {
      await importJWK(key, alg);
    } catch {
      throw new ClientRegistrationError(`key ${index} is not a valid ${alg} public key`);
    }
  }
  return { keys: keys as JWK[] };
}

export interface NewClient {
  name: string;
  jwks: unknown;
  scope: string;
  org?: string;
  roles?: string[];
}

export async function registerClient(db: Queryable, input: NewClient): Promise<OAuthClient> {
  const name = input.name.trim();
  if (!name) throw new ClientRegistrationError('--name must not be empty');
  const scopes = splitScope(input.scope);
  if (scopes.length === 0 || !scopes.every((s) => SCOPE_TOKEN.test(s))) {
    throw new ClientRegistrationError('--scope must be one or more space-separated scope tokens');
  }
  if (input.org !== undefined && !ODS_CODE.test(input.org)) {
    throw new ClientRegistrationError('--org must be an ODS code (3–10 upper-case letters or digits)');
  }
  const roles = input.roles ?? [];
  const bad = roles.find((role) => !isRole(role));
  if (bad !== undefined) throw new ClientRegistrationError(`unknown role ${bad}`);
  const client: OAuthClient = {
    clientId: randomUUID(),
    name,
    jwks: await validateClientJwks(input.jwks),
    scope: scopes.join(' '),
    roles: roles as Role[],
    org: input.org ?? null,
    status: 'active',
  };
  await db.query(
    'INSERT INTO oauth_client (client_id, name, jwks, scope, roles, org) VALUES ($1, $2, $3, $4, $5::text[], $6)',
    [client.clientId, client.name, JSON.stringify(client.jwks), client.scope, client.roles, client.org],
  );
  return client;
}

export async function findClient(db: Queryable, clientId: string): Promise<OAuthClient | undefined> {
  const result = await db.query<{
    client_id: string;
    name: string;
    jwks: unknown;
    scope: string;
    roles: string[];
    org: string | null;
    status: 'active' | 'disabled';
  }>('SELECT client_id, name, jwks, scope, roles, org, status FROM oauth_client WHERE client_id = $1', [
    clientId,
  ]);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    clientId: row.client_id,
    name: row.name,
    jwks: (typeof row.jwks === 'string' ? JSON.parse(row.jwks) : row.jwks) as { keys: JWK[] },
    scope: row.scope,
    roles: row.roles.filter(isRole),
    org: row.org,
    status: row.status,
  };
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `pathways client add --name N --jwks-file F --scope "S …" [--org ODS] [--role R …]`: prints one
 * JSON object and returns the exit code (0 ok, 2 bad arguments or input).
 */
export async function runClientAdd(db: Queryable, argv: string[], io: CliIo = defaultIo): Promise<number> {
  let values: { name?: string; 'jwks-file'?: string; scope?: string; org?: string; role?: string[] };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        'jwks-file': { type: 'string' },
        scope: { type: 'string' },
        org: { type: 'string' },
        role: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`pathways client add: ${(error as Error).message}`);
    return 2;
  }
  const missing = (['name', 'jwks-file', 'scope'] as const).filter((option) => !values[option]);
  if (missing.length > 0) {
    io.err(`pathways client add: missing --${missing.join(', --')}`);
    return 2;
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(await readFile(values['jwks-file']!, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    io.err(`pathways client add: --jwks-file ${values['jwks-file']} ${reason}`);
    return 2;
  }
  try {
    const client = await registerClient(db, {
      name: values.name!,
      jwks,
      scope: values.scope!,
      ...(values.org !== undefined ? { org: values.org } : {}),
      roles: values.role ?? [],
    });
    io.out(
      JSON.stringify({
        clientId: client.clientId,
        name: client.name,
        scope: client.scope,
        org: client.org,
        roles: client.roles,
      }),
    );
    return 0;
  } catch (error) {
    if (error instanceof ClientRegistrationError) {
      io.err(`pathways client add: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
