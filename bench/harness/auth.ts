/**
 * Every /fhir call needs a bearer token, so the bench signs in as production callers do:
 * - system clients registered with `pathways client add` and `client_credentials` with a
 *   private_key_jwt assertion (RFC 7523): the platform suite's admin client, the pharmacies'
 *   dispenser clients, and the many distinct tokens of the auth suite;
 * - users created with `pathways user add` and signed in with the contract's three calls
 *   (login, mfa, authorization_code + PKCE): the registrar and the prescriber, whose tokens need
 *   `fhirUser` and `amr` with `otp`, which client_credentials tokens never have.
 * The platform suite uses one token for all connections, as one client system would; the server's
 * token cache makes every request after the first a cache hit.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { TOTP } from 'otpauth';
import { childEnv } from '../../test/child-env.js';

export interface BenchClient {
  clientId: string;
  privateKey: KeyObject;
  kid: string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const TIMEOUT_MS = 15_000;

/** `pathways <args>` against the bench's database; returns the last line it printed, parsed. */
function cli<T>(env: Record<string, string>, args: string[]): T {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...childEnv(), ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as T;
}

export interface ClientOptions {
  name?: string;
  role?: string;
  org?: string;
}

/**
 * Registers a system client (default: role admin at A83008, which may read and write Patient and
 * Organization) in the database the server uses: before it starts on PGlite (one owner), any
 * time on PostgreSQL.
 */
export function registerClient(
  env: Record<string, string>,
  dir: string,
  options: ClientOptions = {},
): BenchClient {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  const jwksFile = path.join(dir, `bench-client-${kid}.jwks.json`);
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] }),
  );
  const { clientId } = cli<{ clientId?: string }>(env, [
    'client',
    'add',
    '--name',
    options.name ?? 'pathways-bench',
    '--jwks-file',
    jwksFile,
    '--scope',
    'user/*.*',
    '--role',
    options.role ?? 'admin',
    '--org',
    options.org ?? 'A83008',
  ]);
  if (!clientId) throw new Error('pathways client add printed no clientId');
  return { clientId, privateKey, kid };
}

export interface BenchUser {
  username: string;
  password: string;
  totpSecret: string;
}

/** `pathways user add`: a user who signs in with a password and a TOTP code. */
export function addUser(
  env: Record<string, string>,
  options: { username: string; role: string; fhirUser?: string; org?: string },
): BenchUser {
  const created = cli<{ username?: string; password?: string; totpSecret?: string }>(env, [
    'user',
    'add',
    '--username',
    options.username,
    '--role',
    options.role,
    ...(options.fhirUser ? ['--fhir-user', options.fhirUser] : []),
    ...(options.org ? ['--org', options.org] : []),
  ]);
  if (!created.password || !created.totpSecret) throw new Error('pathways user add printed no credentials');
  return { username: options.username, password: created.password, totpSecret: created.totpSecret };
}

const json = { 'content-type': 'application/json' };

/**
 * A POST, from `localAddress` when one is given (any 127.x.y.z is this machine): sign-in is
 * rate-limited per client address (20 a minute), so many patients signing in at once come from
 * addresses of their own, as they would from their homes.
 */
async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  localAddress?: string,
): Promise<{ status: number; text: string }> {
  if (!localAddress) {
    const response = await fetch(url, {
      method: 'POST',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers,
      body,
    });
    return { status: response.status, text: await response.text() };
  }
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers, localAddress, timeout: TIMEOUT_MS, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`POST ${url}: timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

async function tokenRequest(baseUrl: string, form: Record<string, string>, localAddress?: string) {
  const response = await post(
    `${baseUrl}/oauth2/token`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams(form).toString(),
    localAddress,
  );
  const body = JSON.parse(response.text) as { access_token?: string; refresh_token?: string };
  if (!body.access_token || !body.refresh_token)
    throw new Error(`token request failed: ${response.status} ${response.text}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

/**
 * A signed-in user: the contract's three calls once (a TOTP code may be used only once, so a
 * user signs in once per run), then `refresh_token` for each fresh access token. A refresh keeps
 * the sign-in's auth_time, so step-up holds for STEP_UP_MAX_AGE_S after the sign-in.
 */
export class UserSession {
  private constructor(
    private readonly baseUrl: string,
    private refreshToken: string,
    private accessToken: string,
    private readonly localAddress: string | undefined,
  ) {}

  /** `localAddress`: sign in (and refresh) from that loopback address (see `post`). */
  static async signIn(baseUrl: string, user: BenchUser, localAddress?: string): Promise<UserSession> {
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const login = await post(
      `${baseUrl}/auth/login`,
      json,
      JSON.stringify({
        username: user.username,
        password: user.password,
        codeChallenge,
        codeChallengeMethod: 'S256',
      }),
      localAddress,
    );
    if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
    const { login: handle } = JSON.parse(login.text) as { login: string };
    const otp = new TOTP({ secret: user.totpSecret, algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    const mfa = await post(`${baseUrl}/auth/mfa`, json, JSON.stringify({ login: handle, otp }), localAddress);
    if (mfa.status !== 200) throw new Error(`mfa: ${mfa.status} ${mfa.text}`);
    const { code } = JSON.parse(mfa.text) as { code: string };
    const tokens = await tokenRequest(
      baseUrl,
      { grant_type: 'authorization_code', code, code_verifier: verifier },
      localAddress,
    );
    return new UserSession(baseUrl, tokens.refreshToken, tokens.accessToken, localAddress);
  }

  /** The current access token (15 minutes from the sign-in or the last refresh). */
  get token(): string {
    return this.accessToken;
  }

  /** A new access token (the refresh token rotates). */
  async refresh(): Promise<string> {
    const tokens = await tokenRequest(
      this.baseUrl,
      { grant_type: 'refresh_token', refresh_token: this.refreshToken },
      this.localAddress,
    );
    this.refreshToken = tokens.refreshToken;
    this.accessToken = tokens.accessToken;
    return tokens.accessToken;
  }
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

/** One `client_credentials` token from the token endpoint. */
async function clientToken(tokenEndpoint: string, client: BenchClient): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion(client, tokenEndpoint),
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function discover(baseUrl: string): Promise<{ token_endpoint: string; jwks_uri: string }> {
  const response = await fetch(`${baseUrl}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return (await response.json()) as { token_endpoint: string; jwks_uri: string };
}

/**
 * A fresh access token (they live 15 minutes; the bench asks for one per scenario).
 *
 * Fetching the JWKS first was a workaround for a deadlock in the service on PGlite (fixed in
 * 3b1a7e6, kept because it costs nothing): the token endpoint signs inside its database
 * transaction, and when the cached signing keys were older than a minute, KeyStore re-read them
 * with a query outside that transaction, which PGlite (one connection) queued behind the
 * transaction itself, for ever.
 */
export async function accessToken(
  baseUrl: string,
  client: BenchClient,
  refreshKeysFirst = true,
): Promise<string> {
  const discovery = await discover(baseUrl);
  if (refreshKeysFirst)
    await (await fetch(discovery.jwks_uri, { signal: AbortSignal.timeout(TIMEOUT_MS) })).arrayBuffer();
  return clientToken(discovery.token_endpoint, client);
}

/**
 * `count` distinct access tokens of one client, `concurrency` requests at a time: every one has
 * its own jti, exp and signature, so the server verifies each in full the first time it sees it.
 */
export async function manyAccessTokens(
  baseUrl: string,
  client: BenchClient,
  count: number,
  concurrency = 8,
): Promise<string[]> {
  const { token_endpoint: endpoint } = await discover(baseUrl);
  const tokens: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      tokens[n] = await clientToken(endpoint, client);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tokens;
}
