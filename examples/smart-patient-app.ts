/**
 * A SMART on FHIR patient app (App Launch 2, standalone launch, public client with PKCE) that signs
 * the patient in and lists their prescriptions — against a running Pathways (`npm start`):
 *
 *   npx tsx examples/smart-patient-app.ts            # then open the address it prints
 *
 * 1. discovers the server: GET {fhir base}/.well-known/smart-configuration;
 * 2. listens on a loopback address (http://127.0.0.1:<port>/callback, RFC 8252) and prints the
 *    authorization URL: response_type=code, client_id, redirect_uri, scope
 *    `openid fhirUser launch/patient patient/*.rs`, state, aud = the FHIR base, PKCE S256;
 * 3. the patient signs in on Pathways' page (demo-patient and its TOTP code from the banner) and is
 *    sent back with a code, which the app exchanges at the token endpoint (no client secret: PKCE);
 * 4. the token response names the patient (`patient`, the launch context); the app reads their
 *    MedicationRequests and shows them, grouped by prescription, in the browser and on stdout.
 *
 * Options: --fhir-base URL (default http://localhost:$PORT/fhir/R4), --port (0 = any free port),
 * --client-id (smart-patient-app).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';

export const PATIENT_APP_SCOPE = 'openid fhirUser launch/patient patient/*.rs';

export interface SmartConfiguration {
  authorization_endpoint: string;
  token_endpoint: string;
  capabilities: string[];
}

export interface PrescriptionLine {
  prescriptionId: string;
  medication: string;
  status: string;
  authoredOn?: string;
}

export interface LaunchResult {
  patient: string;
  scope: string;
  accessToken: string;
  prescriptions: PrescriptionLine[];
}

export interface StandaloneLaunch {
  /** Where to send the patient's browser. */
  authorizeUrl: string;
  redirectUri: string;
  /** Settles once the browser came back and the prescriptions were read. */
  result: Promise<LaunchResult>;
  close(): Promise<void>;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

async function json<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function discover(fhirBase: string): Promise<SmartConfiguration> {
  const config = await json<SmartConfiguration>(
    await fetch(`${fhirBase}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } }),
    'smart-configuration',
  );
  if (!config.capabilities.includes('launch-standalone'))
    throw new Error('the server offers no standalone launch');
  return config;
}

/** Starts a standalone patient launch: discovery, a loopback listener, the authorization URL. */
export async function startStandaloneLaunch(options: {
  fhirBase: string;
  clientId?: string;
  port?: number;
}): Promise<StandaloneLaunch> {
  const fhirBase = options.fhirBase.replace(/\/+$/, '');
  const clientId = options.clientId ?? 'smart-patient-app';
  const config = await discover(fhirBase);
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const state = base64url(randomBytes(16));

  let settle!: { resolve: (result: LaunchResult) => void; reject: (error: Error) => void };
  const result = new Promise<LaunchResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => {}); // the caller awaits it; an unawaited failure must not crash the process
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') return void response.writeHead(404).end();
    const finish = (status: number, html: string) =>
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(page(html));
    if (url.searchParams.get('state') !== state)
      return finish(400, '<p>That sign-in was not started here.</p>');
    const code = url.searchParams.get('code');
    if (!code)
      return finish(400, `<p>Sign-in failed: ${escapeHtml(url.searchParams.get('error') ?? 'no code')}</p>`);
    complete(code).then(
      (launched) => {
        finish(200, listHtml(launched));
        settle.resolve(launched);
      },
      (error: Error) => {
        finish(502, `<p>${escapeHtml(error.message)}</p>`);
        settle.reject(error);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const redirectUri = `http://127.0.0.1:${port}/callback`;

  async function complete(code: string): Promise<LaunchResult> {
    const token = await json<{ access_token: string; scope: string; patient?: string }>(
      await fetch(config.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: redirectUri,
          client_id: clientId,
        }),
      }),
      'token',
    );
    if (!token.patient) throw new Error('the token response names no patient (was launch/patient granted?)');
    const bundle = await json<{ entry?: Array<{ resource: MedicationRequestLike }> }>(
      await fetch(
        `${fhirBase}/MedicationRequest?patient=Patient/${encodeURIComponent(token.patient)}&_count=100`,
        {
          headers: { authorization: `Bearer ${token.access_token}`, accept: 'application/fhir+json' },
        },
      ),
      'MedicationRequest search',
    );
    const prescriptions = (bundle.entry ?? []).map(({ resource }) => ({
      prescriptionId: resource.groupIdentifier?.value ?? resource.id,
      medication:
        resource.medicationCodeableConcept?.coding?.[0]?.display ??
        resource.medicationCodeableConcept?.text ??
        'a medicine',
      status: resource.status,
      ...(resource.authoredOn ? { authoredOn: resource.authoredOn } : {}),
    }));
    return { patient: token.patient, scope: token.scope, accessToken: token.access_token, prescriptions };
  }

  const authorize = new URL(config.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: PATIENT_APP_SCOPE,
    state,
    aud: fhirBase,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(name, value);
  }
  return {
    authorizeUrl: authorize.href,
    redirectUri,
    result,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface MedicationRequestLike {
  id: string;
  status: string;
  authoredOn?: string;
  groupIdentifier?: { value?: string };
  medicationCodeableConcept?: { text?: string; coding?: Array<{ display?: string }> };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>My prescriptions</title></head><body><main>${body}</main></body></html>`;
}

function listHtml(result: LaunchResult): string {
  const items = result.prescriptions
    .map(
      (line) =>
        `<li>${escapeHtml(line.medication)} — ${escapeHtml(line.status)} (prescription ${escapeHtml(line.prescriptionId)})</li>`,
    )
    .join('');
  return `<h1>My prescriptions</h1><ul>${items || '<li>No prescriptions</li>'}</ul>`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'fhir-base': { type: 'string', default: `http://localhost:${process.env.PORT || '3000'}/fhir/R4` },
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string', default: 'smart-patient-app' },
    },
  });
  const launch = await startStandaloneLaunch({
    fhirBase: values['fhir-base'],
    clientId: values['client-id'],
    port: Number(values.port),
  });
  console.log(`Open this address in a browser and sign in as the patient:\n\n  ${launch.authorizeUrl}\n`);
  try {
    const result = await launch.result;
    console.log(`Signed in: Patient/${result.patient} (scope: ${result.scope})`);
    for (const line of result.prescriptions) {
      console.log(`  ${line.prescriptionId}  ${line.status.padEnd(10)} ${line.medication}`);
    }
  } finally {
    await launch.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: Error) => {
    console.error(`smart-patient-app: ${error.message}`);
    process.exit(1);
  });
}
