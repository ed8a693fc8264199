import path from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import type { Config } from '../platform/config/config.js';
import { DEMO_RESOURCES } from './seed.js';
import type { DemoUser } from './users.js';

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * What a newcomer needs after `npm start`: where it runs, links that work in a browser, commands
 * that work as printed (they follow PORT, PUBLIC_URL and DATA_DIR), and the demo data. API reads
 * need a token, so patients are listed by name and id rather than as links that would answer 401.
 */
export function demoBanner(
  config: Config,
  address: string,
  users: DemoUser[],
  capabilityLines: string[] = [],
) {
  const base = config.publicUrl;
  const patients = DEMO_RESOURCES.filter(
    (resource): resource is Patient => resource.resourceType === 'Patient',
  ).map(
    (patient) =>
      `    Patient/${patient.id}  ${patient.name?.[0]?.given?.[0]} ${patient.name?.[0]?.family}, NHS ${patient.identifier?.[0]?.value}, born ${patient.birthDate}`,
  );
  const prescriber = users.find((user) => user.username === 'demo-prescriber');
  // The example reads the demo prescriber's key from DATA_DIR; its default is ./data.
  const dataDir =
    path.resolve(config.dataDir) === path.resolve('data') ? '' : ` --data-dir ${config.dataDir}`;
  const lines = [
    '',
    '──────────────── Pathways demo ────────────────',
    `  listening on     ${address}  (public URL ${base})`,
    `  database         ${config.databaseUrl ? 'PostgreSQL server' : `embedded PGlite in ${config.dataDir}`}`,
    `  web portal       ${base}/   patients sign in as demo-patient, staff as demo-service-desk`,
    `  FHIR API         ${base}/fhir/R4/metadata (public); every other call needs a token: README, "Signing in from a script"`,
    `  health           ${base}/healthz   ${base}/readyz`,
    `  metrics          ${config.metricsPort === 0 ? 'off (METRICS_PORT=0)' : `http://${hostForUrl(config.metricsHost)}:${config.metricsPort}/metrics`}`,
    '  demo patients',
    ...patients,
    `  demo users       password for all: ${users[0]?.password ?? '(none)'}`,
    ...users.map(
      (user) => `    ${user.username.padEnd(24)} ${user.role.padEnd(13)} TOTP secret ${user.totpSecret}`,
    ),
    '  a current code   npx pathways totp <secret>   (or any authenticator app: SHA-1, 6 digits, 30 s)',
    ...(prescriber
      ? [
          `  try it           npx tsx examples/send-prescription.ts --base ${base}${dataDir} --totp-secret ${prescriber.totpSecret}`,
        ]
      : []),
    ...capabilityLines,
    '───────────────────────────────────────────────',
    '',
  ];
  return lines.join('\n');
}

export function printDemoBanner(
  config: Config,
  address: string,
  users: DemoUser[],
  capabilityLines: string[] = [],
): void {
  process.stdout.write(`${demoBanner(config, address, users, capabilityLines)}\n`);
}
