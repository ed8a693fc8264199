/**
 * What a prescribing system does, end to end, against a running Pathways (`npm start`):
 *
 *   npx tsx examples/send-prescription.ts --totp-secret <demo-prescriber's secret from the banner>
 *
 * 1. signs in as the prescriber with the three calls (password, one-time code, token; PKCE S256),
 * 2. builds a prescription-order for the demo patient (EPS message shape),
 * 3. signs it with the prescriber's own key and certificate (src/signing, docs/api.md §5),
 * 4. sends it ($process-message), 5. tracks it (GET /Task?focus:identifier=…),
 * 6. with --cancel, cancels it (prescription-order-update) and prints the R-code.
 *
 * Options: --base URL (default http://localhost:$PORT, PORT defaulting to 3000, as `npm start`
 * prints it), --username (demo-prescriber), --password
 * (pathways-demo-2026), --key/--cert (DATA_DIR/demo/demo-prescriber.{key,cert}.pem), --data-dir
 * (./data), --nhs (9449306060), --pharmacy (FCG71), --gmc (9999001), --ods (A83008), --cancel.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import { Secret, TOTP } from 'otpauth';
import { orderBundle, shortFormIdOf } from '../src/prescribing/examples/order-bundle.js';
import { signPrescription } from '../src/signing/index.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: `http://localhost:${process.env.PORT || '3000'}` },
    username: { type: 'string', default: 'demo-prescriber' },
    password: { type: 'string', default: 'pathways-demo-2026' },
    'totp-secret': { type: 'string' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? './data' },
    key: { type: 'string' },
    cert: { type: 'string' },
    nhs: { type: 'string', default: '9449306060' },
    pharmacy: { type: 'string', default: 'FCG71' },
    gmc: { type: 'string', default: '9999001' },
    ods: { type: 'string', default: 'A83008' },
    cancel: { type: 'boolean', default: false },
  },
});
if (!values['totp-secret']) {
  console.error(
    'usage: npx tsx examples/send-prescription.ts --totp-secret <secret> [--base URL] [--data-dir DIR] [--cancel] (see the header of this file)',
  );
  process.exit(2);
}
const base = values.base.replace(/\/+$/, '');
const demoDir = path.join(values['data-dir'], 'demo');

/** One line on stderr and exit 1: what went wrong and what to try, never a stack trace. */
function stop(message: string): never {
  console.error(`send-prescription: ${message}`);
  process.exit(1);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return stop(
      `cannot read the ${what} ${file} (is --data-dir the folder \`npm start\` uses? or pass --${what.split(' ')[0]})`,
    );
  }
}

const keyPem = readPem(values.key ?? path.join(demoDir, 'demo-prescriber.key.pem'), 'key file');
const certPem = readPem(values.cert ?? path.join(demoDir, 'demo-prescriber.cert.pem'), 'cert file');

async function call(method: string, url: string, body: unknown, token?: string, form = false) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/fhir+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined
      ? {}
      : {
          body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
        }),
  }).catch(() => stop(`cannot reach Pathways at ${base}: is \`npm start\` running there? (--base URL)`));
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) stop(`${method} ${url} → ${response.status} ${text}`);
  return parsed;
}

// 1. Sign in: password (with a PKCE challenge), one-time code, then the token.
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
const { login } = await call('POST', '/auth/login', {
  username: values.username,
  password: values.password,
  codeChallenge: challenge,
  codeChallengeMethod: 'S256',
});
const otp = new TOTP({
  secret: Secret.fromBase32(values['totp-secret']),
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
}).generate();
const { code } = await call('POST', '/auth/mfa', { login, otp });
const { access_token: token } = await call(
  'POST',
  '/oauth2/token',
  { grant_type: 'authorization_code', code, code_verifier: verifier },
  undefined,
  true,
);
console.log(`signed in as ${values.username}`);

// 2–3. Build and sign the prescription.
const order = orderBundle({
  ods: values.ods,
  nhsNumber: values.nhs,
  practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: values.gmc }],
  nominatedPharmacy: values.pharmacy,
  intent: 'order',
  items: [{ code: '39732311000001104', display: 'Amoxicillin 250mg capsules', quantity: 21 }],
});
const signed = await signPrescription(order, { privateKey: keyPem, certificate: certPem });
const prescriptionId = shortFormIdOf(signed);

// 4. Send it.
const accepted = await call('POST', '/fhir/R4/$process-message', signed, token);
console.log(`sent ${prescriptionId}: ${accepted.issue?.[0]?.diagnostics}`);

// 5. Track it.
const tracked = await call(
  'GET',
  `/fhir/R4/Task?focus:identifier=${encodeURIComponent(prescriptionId)}`,
  undefined,
  token,
);
const task = tracked.entry?.[0]?.resource;
console.log(`tracker: ${task?.businessStatus?.coding?.[0]?.code} ${task?.businessStatus?.text}`);

// 6. Cancel it (optional).
if (values.cancel) {
  const item = signed.entry?.find((entry) => entry.resource?.resourceType === 'MedicationRequest')
    ?.resource as MedicationRequest;
  const cancel: Bundle = {
    resourceType: 'Bundle',
    identifier: { system: 'https://tools.ietf.org/html/rfc4122', value: crypto.randomUUID() },
    type: 'message',
    entry: [
      {
        fullUrl: `urn:uuid:${crypto.randomUUID()}`,
        resource: {
          resourceType: 'MessageHeader',
          eventCoding: {
            system: 'https://fhir.nhs.uk/CodeSystem/message-event',
            code: 'prescription-order-update',
          },
          source: { endpoint: base },
        },
      },
      {
        fullUrl: `urn:uuid:${item.identifier?.[0]?.value}`,
        resource: {
          ...item,
          status: 'cancelled',
          statusReason: {
            coding: [
              {
                system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason',
                code: '0002',
                display: 'Clinical contra-indication',
              },
            ],
          },
        },
      },
      ...(signed.entry ?? []).filter((entry) =>
        ['Patient', 'PractitionerRole', 'Practitioner', 'Organization'].includes(
          entry.resource?.resourceType ?? '',
        ),
      ),
    ],
  };
  const response = (await call('POST', '/fhir/R4/$process-message', cancel, token)) as Bundle;
  const cancelled = response.entry?.find((entry) => entry.resource?.resourceType === 'MedicationRequest')
    ?.resource as MedicationRequest;
  const history = cancelled.extension?.find((extension) =>
    extension.url.endsWith('PrescriptionStatusHistory'),
  );
  console.log(`cancel: ${history?.extension?.find((part) => part.url === 'status')?.valueCoding?.code}`);
}
