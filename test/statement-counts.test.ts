/**
 * Round trips guarded: the statements and commits each hot operation costs the database, counted
 * through the service's own `Database` (test/counting-database.ts), on both databases. A change
 * that adds a statement to one of these paths fails here; lowering a bound is the point of issue
 * 12. The audit trail's statements are counted on their own (its flush is shared by requests).
 * PGlite runs the same code and so the same statements; what differs is that none of them is a
 * network round trip there, and a commit does not wait for a WAL flush on another process.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claim,
  dispenseNotification,
  releaseParameters,
  returnTask,
  withdrawTask,
} from '../src/dispensing/examples/messages.js';
import { HL7_SERVICE } from '../src/hl7/index.js';
import { generateNhsNumber, NHS_NUMBER_SYSTEM } from '../src/nhs/index.js';
import { runInRequestScope } from '../src/platform/database/request-scope.js';
import { itemIdOf, shortFormIdOf } from '../src/prescribing/examples/order-bundle.js';
import { startTestApp, type TestApp } from './app.js';
import { type Counts, StatementCounter } from './counting-database.js';
import { databaseKinds } from './databases.js';
import { dispensingApi } from './support/dispensing/api.js';
import { adt, readAck, siu } from './support/hl7/fixtures.js';
import { cancelBundle } from './support/prescribing/cancel-bundle.js';
import { processMessage, registerPrescriber, type TestPrescriber } from './support/prescribing/prescriber.js';

/**
 * The most each operation may cost, audit excluded: statements (BEGIN and COMMIT included) and
 * commits. Before issue 12 (same on both databases): order for a new patient with four items 22 / 6,
 * for a known patient with one item 14 / 6, its resend 2 / 2, release by ID 8 / 1, dispense 5 / 1,
 * claim 9 / 1, generic create 4 / 1, read by id 1 / 1. Issue 12's targets: order 3, create 2,
 * release, dispense and claim 3 each, read 1. Before migration 0029: cancel of one item 11 / 2,
 * return 7 / 2, withdraw 7 / 2, generic update 5 / 1 (a transaction with its row lock), a
 * nominated release of one prescription 8 / 1.
 */
const LIMITS = {
  orderNewPatient: { statements: 3, commits: 3 },
  order: { statements: 3, commits: 3 },
  orderResend: { statements: 1, commits: 1 },
  release: { statements: 3, commits: 3 },
  dispense: { statements: 2, commits: 2 },
  claim: { statements: 2, commits: 2 },
  readById: { statements: 1, commits: 1 },
  create: { statements: 1, commits: 1 },
  cancel: { statements: 3, commits: 3 },
  returned: { statements: 3, commits: 3 },
  withdraw: { statements: 3, commits: 3 },
  update: { statements: 2, commits: 2 },
  nominatedRelease: { statements: 3, commits: 3 },
  // One transaction per HL7 message. Before the feed wrote through the declared rules (issue 11):
  // A01 12, A08 15, S12 18 (22 while it rewrote an unchanged clinic), S15 22. The booking rules
  // cost an S12 or S15 their own: the slot read and locked in beforeWrite (afterWrite takes it
  // from there: S12 22 and S15 24 while it read it again) and its update.
  hl7A01NewPatient: { statements: 12, commits: 1 },
  hl7A08: { statements: 15, commits: 1 },
  hl7S12: { statements: 21, commits: 1 },
  hl7S15: { statements: 23, commits: 1 },
} satisfies Record<string, { statements: number; commits: number }>;

function within(counts: Counts, limit: { statements: number; commits: number }): void {
  const trace = counts.trace.join('\n');
  expect(counts.statements, trace).toBeLessThanOrEqual(limit.statements);
  expect(counts.commits, trace).toBeLessThanOrEqual(limit.commits);
}

describe.each(databaseKinds)('statements per operation on %s', (kind) => {
  const counter = new StatementCounter();
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;
  let pharmacist: string;
  let admin: string;

  beforeAll(async () => {
    app = await startTestApp(kind, {}, { wrapDatabase: (db) => counter.wrap(db) });
    gp = await registerPrescriber(app);
    api = dispensingApi(app);
    pharmacist = await api.pharmacist('FCG71');
    admin = await app.bearer({ roles: ['admin'] });
  });
  afterAll(async () => app?.close());

  /** Counts what `operation` costs; audit records are flushed before the counts are read. */
  async function count(operation: () => Promise<{ statusCode: number; body: string }>) {
    await app.pathways.audit.flush();
    counter.reset();
    const response = await operation();
    expect(response.statusCode, response.body).toBeLessThan(300);
    await app.pathways.audit.flush();
    return { request: counter.request, audit: counter.audit };
  }

  async function order(items = 1, nhsNumber = generateNhsNumber()): Promise<Bundle> {
    return gp.signedOrder({
      nhsNumber,
      items: Array.from({ length: items }, () => ({ quantity: 20 })),
      nominatedPharmacy: null,
    });
  }

  it('a prescription-order for a new patient, with four items', async () => {
    const bundle = await order(4);
    const authorization = await gp.bearer();
    const { request, audit } = await count(() => processMessage(app, bundle, authorization));
    within(request, LIMITS.orderNewPatient);
    expect(audit.statements).toBeGreaterThan(0);
  });

  it('a prescription-order for a patient the service knows, and its resend', async () => {
    const nhsNumber = generateNhsNumber();
    const authorization = await gp.bearer();
    await processMessage(app, await order(1, nhsNumber), authorization);
    const bundle = await order(1, nhsNumber);
    within((await count(() => processMessage(app, bundle, authorization))).request, LIMITS.order);
    within((await count(() => processMessage(app, bundle, authorization))).request, LIMITS.orderResend);
  });

  it('release by ID, dispense in full and claim', async () => {
    const bundle = await order(1);
    await processMessage(app, bundle, await gp.bearer());
    const id = shortFormIdOf(bundle);
    const release = await count(() => api.release(releaseParameters('FCG71', id), pharmacist));
    within(release.request, LIMITS.release);
    const notification = dispenseNotification(id, 'FCG71', [
      { itemId: itemIdOf(bundle, 0), type: '0001', quantity: 20 },
    ]);
    within((await count(() => api.message(notification, pharmacist))).request, LIMITS.dispense);
    within((await count(() => api.claim(claim(id), pharmacist))).request, LIMITS.claim);
  });

  it('a nominated release of the one prescription waiting', async () => {
    // Its own pharmacy, so nothing else waits for it.
    const ods = 'FEW08';
    const own = await api.pharmacist(ods);
    const bundle = await gp.signedOrder({ items: [{ quantity: 20 }], nominatedPharmacy: ods });
    await processMessage(app, bundle, await gp.bearer());
    within((await count(() => api.release(releaseParameters(ods), own))).request, LIMITS.nominatedRelease);
  });

  it('cancel, return and withdraw', async () => {
    const cancelled = await order(1);
    await processMessage(app, cancelled, await gp.bearer());
    const authorization = await gp.bearer();
    const cancel = await count(() => processMessage(app, cancelBundle(cancelled), authorization));
    within(cancel.request, LIMITS.cancel);

    const bundle = await order(1);
    await processMessage(app, bundle, await gp.bearer());
    const id = shortFormIdOf(bundle);
    await api.release(releaseParameters('FCG71', id), pharmacist);
    within((await count(() => api.task(returnTask(id, 'FCG71'), pharmacist))).request, LIMITS.returned);

    const dispensed = await order(1);
    await processMessage(app, dispensed, await gp.bearer());
    const dispensedId = shortFormIdOf(dispensed);
    await api.release(releaseParameters('FCG71', dispensedId), pharmacist);
    const notification = dispenseNotification(dispensedId, 'FCG71', [
      { itemId: itemIdOf(dispensed, 0), type: '0003', quantity: 10 },
    ]);
    expect((await api.message(notification, pharmacist)).statusCode).toBe(200);
    within(
      (await count(() => api.task(withdrawTask(dispensedId, 'FCG71'), pharmacist))).request,
      LIMITS.withdraw,
    );
  });

  it('a generic create and a read by id', async () => {
    const patient = {
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: generateNhsNumber() }],
      name: [{ family: 'Counted', given: ['Ada'] }],
      birthDate: '1970-01-01',
    };
    const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      app.pathways.app.inject({
        method,
        url,
        headers: { authorization: admin, 'content-type': 'application/fhir+json' },
        ...(payload ? { payload: JSON.stringify(payload) } : {}),
      });
    const created = await count(() => inject('POST', '/fhir/R4/Patient', patient));
    within(created.request, LIMITS.create);
    const ids = await app.pathways.db.query<{ id: string }>(
      "SELECT id FROM fhir_resource WHERE resource_type = 'Patient' ORDER BY last_updated DESC LIMIT 1",
    );
    const id = ids.rows[0]!.id;
    const read = await count(() => inject('GET', `/fhir/R4/Patient/${id}`));
    within(read.request, LIMITS.readById);
    expect(read.audit.statements).toBeGreaterThan(0);
    const updated = await count(() =>
      inject('PUT', `/fhir/R4/Patient/${id}`, { ...patient, id, birthDate: '1970-01-02' }),
    );
    within(updated.request, LIMITS.update);
  });

  it('HL7 messages: A01 for a new patient, A08, SIU S12 and S15 for a known patient and clinic', async () => {
    const { processor } = app.pathways.services.get(HL7_SERVICE);
    // The feed runs outside any HTTP request: counted as one here, statement by statement.
    const hl7 = async (message: string) => {
      counter.reset();
      const processed = await runInRequestScope({}, () => processor.process(Buffer.from(message, 'latin1')));
      expect(readAck(processed.acks[0]!).code, processed.acks[0]).toBe('AA');
      return counter.request;
    };
    const nhsNumber = generateNhsNumber();
    const mrn = `M${nhsNumber}`;
    const a01 = await hl7(adt({ trigger: 'A01', nhsNumber, mrn, visit: `V${nhsNumber}` }));
    const a08 = await hl7(
      adt({
        trigger: 'A08',
        nhsNumber,
        mrn,
        visit: `V${nhsNumber}`,
        at: '20260105100000',
        family: 'Counted',
      }),
    );
    // The clinic's first bookings (its Location and Schedule are written), then one as any other.
    await hl7(siu({ trigger: 'S12', filler: `W${nhsNumber}`, nhsNumber }));
    await hl7(siu({ trigger: 'S12', filler: `X${nhsNumber}`, nhsNumber }));
    const s12 = await hl7(siu({ trigger: 'S12', filler: `B${nhsNumber}`, nhsNumber }));
    const s15 = await hl7(siu({ trigger: 'S15', filler: `B${nhsNumber}`, nhsNumber, at: '20260111100000' }));
    within(a01, LIMITS.hl7A01NewPatient);
    within(a08, LIMITS.hl7A08);
    within(s12, LIMITS.hl7S12);
    within(s15, LIMITS.hl7S15);
  });
});
