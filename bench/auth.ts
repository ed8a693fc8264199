/**
 * Every /fhir call needs a bearer token, so the bench signs in as production system clients do:
 * a client registered with `pathways client add` (role admin, which may read and write Patient
 * and Organization) and `client_credentials` with a private_key_jwt assertion (RFC 7523). One
 * token is used by all connections, as one client system would; the server's token cache makes
 * every request after the first a cache hit.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface BenchClient {
  clientId: string;
  privateKey: KeyObject;
  kid: string;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/** Registers the client in the database the server will use (before it starts: PGlite has one owner). */
export function registerClient(env: Record<string, string>, dir: string): BenchClient {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  const jwksFile = path.join(dir, 'bench-client.jwks.json');
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] }),
  );
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      'client',
      'add',
      '--name',
      'pathways-bench',
      '--jwks-file',
      jwksFile,
      '--scope',
      'user/*.*',
      '--role',
      'admin',
      '--org',
      'A83008',
    ],
    { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 },
  );
  const { clientId } = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { clientId?: string };
  if (!clientId) throw new Error(`pathways client add printed no clientId:\n${output}`);
  return { clientId, privateKey, kid };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function assertion(client: BenchClient, audience: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: client.kid }));
  const claims = base64url(
    JSON.stringify({
      iss: client.clientId,
      sub: client.clientId,
      aud: audience,
      iat: now,
      exp: now + 120,
      jti: randomUUID(),
    }),
  );
  // JWS wants the raw r||s signature, not DER.
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
    key: client.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${claims}.${base64url(signature)}`;
}

const TIMEOUT_MS = 15_000;

/**
 * A fresh access token (they live 15 minutes; the bench asks for one per scenario).
 *
 * Fetching the JWKS first is a workaround for a deadlock in the service on PGlite: the token
 * endpoint signs inside its database transaction, and when the cached signing keys are older than
 * a minute, KeyStore re-reads them with a query outside that transaction, which PGlite (one
 * connection) queues behind the transaction itself, for ever. Publishing the JWKS refreshes the
 * keys outside any transaction, so the grant that follows finds them fresh.
 */
export async function accessToken(
  baseUrl: string,
  client: BenchClient,
  refreshKeysFirst = true,
): Promise<string> {
  const discovery = (await (
    await fetch(`${baseUrl}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
  ).json()) as { token_endpoint: string; jwks_uri: string };
  if (refreshKeysFirst)
    await (await fetch(discovery.jwks_uri, { signal: AbortSignal.timeout(TIMEOUT_MS) })).arrayBuffer();
  const response = await fetch(discovery.token_endpoint, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion(client, discovery.token_endpoint),
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
