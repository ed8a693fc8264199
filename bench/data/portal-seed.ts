/**
 * The portal suite's data, written through the running service's API as production writes it
 * (prescriptions, appointments, their index rows, audit records and outbox events): signed
 * prescription-orders from the bench prescriber through `$process-message`, and appointments
 * booked by a clinic's system (a `clinician` system client) through `POST /Appointment`. Then the
 * outbox's deliveries of those writes are left to finish before anything is measured.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { Appointment } from '@medplum/fhirtypes';
import { prepareOrders } from './orders.js';
import { inParallel } from '../harness/parallel.js';
import type { PrescribingBench } from './prescribing-setup.js';
import type { Server } from '../harness/processes.js';

const CONCURRENCY = 16;
/** Orders signed at a time: a signed order is ~8 KB, so 30,000 of them are not held at once. */
const SIGN_BATCH = 2_000;
const DAY_MS = 86_400_000;

async function post(url: string, token: string, body: string, expected: number): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: {
      'content-type': 'application/fhir+json',
      accept: 'application/fhir+json',
      authorization: `Bearer ${token}`,
    },
    body,
  });
  const text = await response.text();
  if (response.status !== expected)
    throw new Error(`seeding POST ${url}: ${response.status} ${text.slice(0, 500)}`);
}

export interface Seeding {
  count: number;
  seconds: number;
  /** Seconds of those spent signing (prescriptions only). */
  signingS?: number;
}

/**
 * `perPatient` signed one-item orders for every seeded patient (no nominated pharmacy: status
 * "to be dispensed", the tracker's first stage), order g for patient g mod N, so concurrent orders
 * are for different patients. Signed in batches just before they are sent.
 */
export async function seedPrescriptions(bench: PrescribingBench, perPatient: number): Promise<Seeding> {
  const patients = bench.nhsNumbers.length;
  const total = patients * perPatient;
  const started = performance.now();
  let signingMs = 0;
  for (let offset = 0; offset < total; offset += SIGN_BATCH) {
    const size = Math.min(SIGN_BATCH, total - offset);
    const first = offset % patients;
    const rotated = [...bench.nhsNumbers.slice(first), ...bench.nhsNumbers.slice(0, first)];
    const signStarted = performance.now();
    const orders = await prepareOrders(bench.prescriber, size, { nhsNumbers: rotated });
    signingMs += performance.now() - signStarted;
    const token = await bench.prescriber.session.refresh();
    await inParallel(size, CONCURRENCY, (n) =>
      post(`${bench.server.url}/fhir/R4/$process-message`, token, orders[n]!.body, 200),
    );
    process.stdout.write(
      `\r  prescriptions: ${(offset + size).toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')}`,
    );
  }
  process.stdout.write('\n');
  return { count: total, seconds: (performance.now() - started) / 1000, signingS: signingMs / 1000 };
}

/** Midnight UTC today, as the portal asks for `date=ge<today>`. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Appointment k of a patient's `perPatient`: the first in the past (fulfilled, 1-4 weeks ago)
 * when there are two or more, the rest booked 1-8 weeks ahead (beyond the 2-day reminder lead, so
 * no reminder job fires during the runs). Times on the quarter hour of a clinic day.
 */
export function appointmentOf(patientId: string, n: number, k: number, perPatient: number): Appointment {
  const past = perPatient >= 2 && k === 0;
  const days = past ? -(7 + (n % 21)) : 7 * k + (n % 7) + 1;
  const day = new Date(Date.now() + days * DAY_MS);
  const start = new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 9 + (n % 8), 15 * (n % 4)),
  );
  return {
    resourceType: 'Appointment',
    status: past ? 'fulfilled' : 'booked',
    description: past ? 'Outpatient clinic (bench, attended)' : 'Outpatient follow-up (bench)',
    start: start.toISOString(),
    end: new Date(start.getTime() + 15 * 60_000).toISOString(),
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
      { actor: { reference: 'Practitioner/bench-clinician' }, status: 'accepted' },
    ],
  };
}

/** `perPatient` appointments for every seeded patient, booked without slots by the clinic's system. */
export async function seedAppointments(
  server: Server,
  clinicianToken: string,
  patientIds: string[],
  perPatient: number,
): Promise<Seeding> {
  const total = patientIds.length * perPatient;
  const started = performance.now();
  let done = 0;
  await inParallel(total, CONCURRENCY, async (g) => {
    const n = g % patientIds.length;
    const k = Math.floor(g / patientIds.length);
    await post(
      `${server.url}/fhir/R4/Appointment`,
      clinicianToken,
      JSON.stringify(appointmentOf(patientIds[n]!, n, k, perPatient)),
      201,
    );
    if (++done % 1000 === 0)
      process.stdout.write(
        `\r  appointments: ${done.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')}`,
      );
  });
  process.stdout.write('\n');
  return { count: total, seconds: (performance.now() - started) / 1000 };
}

function metric(text: string, name: string): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
    sum += Number(match[1]);
  return sum;
}

/**
 * Waits until the outbox has handed every event to every consumer and the job queue is empty
 * (the seeding's notifications are done), so the measured runs do not share the machine with
 * them. Returns the seconds it took, or undefined after `timeoutS`.
 */
export async function drainOutbox(server: Server, timeoutS = 1_800): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutS * 1000) {
    const text = await (
      await fetch(`${server.metricsUrl}/metrics`, { signal: AbortSignal.timeout(30_000) })
    ).text();
    const pending =
      metric(text, 'pathways_outbox_undispatched_events') +
      metric(text, 'pathways_outbox_backlog') +
      metric(text, 'pathways_job_queue_depth');
    if (pending === 0) {
      process.stdout.write('\n');
      return (performance.now() - started) / 1000;
    }
    process.stdout.write(
      `\r  waiting for the outbox: ${pending.toLocaleString('en-GB')} events and jobs pending`,
    );
    await sleep(2_000);
  }
  process.stdout.write('\n');
  return undefined;
}
