import type { Config } from '../platform/config/config.js';
import { DEMO_RESOURCES } from './seed.js';
import type { DemoUser } from './users.js';

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** What a newcomer needs after `npm start`: where it runs and what demo data exists. */
export function printDemoBanner(
  config: Config,
  address: string,
  users: DemoUser[],
  capabilityLines: string[] = [],
): void {
  const base = config.publicUrl;
  const patients = DEMO_RESOURCES.filter((resource) => resource.resourceType === 'Patient').map(
    (resource) => `    ${base}/fhir/R4/Patient/${resource.id}`,
  );
  const lines = [
    '',
    '──────────────── Pathways demo ────────────────',
    `  listening on     ${address}  (public URL ${base})`,
    `  database         ${config.databaseUrl ? 'PostgreSQL server' : `embedded PGlite in ${config.dataDir}`}`,
    `  capabilities     ${base}/fhir/R4/metadata`,
    `  organisations    ${base}/fhir/R4/Organization`,
    '  demo patients',
    ...patients,
    `  health           ${base}/healthz   ${base}/readyz`,
    `  metrics          ${config.metricsPort === 0 ? 'off (METRICS_PORT=0)' : `http://${hostForUrl(config.metricsHost)}:${config.metricsPort}/metrics`}`,
    `  sign in          ${base}/oauth2/authorize (or the three calls in the README)`,
    `  demo users       password for all: ${users[0]?.password ?? '(none)'}`,
    ...users.map(
      (user) => `    ${user.username.padEnd(24)} ${user.role.padEnd(13)} TOTP secret ${user.totpSecret}`,
    ),
    '  a current code   npx pathways totp <secret>   (or any authenticator app: SHA-1, 6 digits, 30 s)',
    ...capabilityLines,
    '───────────────────────────────────────────────',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
