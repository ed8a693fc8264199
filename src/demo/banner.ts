import type { Config } from '../platform/config/config.js';
import { DEMO_RESOURCES } from './seed.js';

/** What a newcomer needs after `npm start`: where it runs and what demo data exists. */
export function printDemoBanner(config: Config, address: string): void {
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
    `  health           ${base}/healthz   ${base}/readyz   ${base}/metrics`,
    '───────────────────────────────────────────────',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
