/**
 * Seeds through the public API (not SQL), so the search index and audit trail are exactly what
 * production writes would leave behind.
 */
import { nhsNumber, organization, patient } from './data.js';
import type { Seeded } from '../suites/scenarios.js';

const CONCURRENCY = 16;

async function post(url: string, token: string, body: unknown): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(15_000),
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`seeding ${url}: ${response.status} ${text.slice(0, 500)}`);
  return (JSON.parse(text) as { id: string }).id;
}

/** Runs `count` tasks, CONCURRENCY at a time, and returns their results in order. */
async function pool<T>(count: number, task: (n: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      results[n] = await task(n);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

export async function seed(
  baseUrl: string,
  token: string,
  options: { patients: number; organizations: number; families: number },
): Promise<Seeded> {
  const nhsBase = 400_000_000;
  const nhsNumbers = Array.from({ length: options.patients }, (_, n) => nhsNumber(n, nhsBase));
  const patientIds = await pool(options.patients, (n) =>
    post(`${baseUrl}/fhir/R4/Patient`, token, patient(n, nhsNumbers[n]!, options.families)),
  );
  const organizationIds = await pool(options.organizations, (n) =>
    post(`${baseUrl}/fhir/R4/Organization`, token, organization(n)),
  );
  const sample = await fetch(`${baseUrl}/fhir/R4/Patient/${patientIds[0]}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  });
  return {
    patientIds,
    nhsNumbers,
    organizationIds,
    families: options.families,
    nhsBase,
    samplePatientJson: await sample.text(),
  };
}
