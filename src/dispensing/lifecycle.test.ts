import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import {
  type dispensingApi,
  errorCode,
  releaseOutcome,
  startDispensingTest,
} from '../../test/support/dispensing/api.js';
import { processMessage, type TestPrescriber } from '../../test/support/prescribing/prescriber.js';
import { itemIdOf, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { findPrescription } from '../prescribing/store/prescriptions.js';
import {
  claim,
  dispenseNotification,
  releaseParameters,
  returnTask,
  withdrawTask,
} from './examples/messages.js';

describe.each(databaseKinds)('dispensing lifecycle on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;
  let p1: string;
  let p2: string;

  beforeAll(async () => {
    ({ app, gp, api } = await startDispensingTest(kind));
    p1 = await api.pharmacist('FCG71');
    p2 = await api.pharmacist('FEW08');
  });
  afterAll(async () => app?.close());

  async function prescribe(input: { items?: number; nominated?: string | null } = {}): Promise<Bundle> {
    const order = await gp.signedOrder({
      items: Array.from({ length: input.items ?? 1 }, () => ({ quantity: 20 })),
      nominatedPharmacy: input.nominated === undefined ? 'FCG71' : input.nominated,
    });
    const response = await processMessage(app, order, await gp.bearer());
    expect(response.statusCode, response.body).toBe(200);
    return order;
  }

  const status = async (order: Bundle) =>
    (await findPrescription(app.pathways.db, shortFormIdOf(order)))!.status;

  it('goes order → nominated release → partial dispense → complete → claim', async () => {
    const order = await prescribe({ items: 2 });
    const released = await api.release(releaseParameters('FCG71'), p1);
    expect(released.statusCode, released.body).toBe(200);
    const { passed, failed } = releaseOutcome(released.json());
    expect(failed).toHaveLength(0);
    expect(passed.map(shortFormIdOf)).toContain(shortFormIdOf(order));
    // The pharmacy gets the original signed bundle, which still verifies for it.
    expect(passed.find((bundle) => shortFormIdOf(bundle) === shortFormIdOf(order))?.identifier).toEqual(
      order.identifier,
    );
    expect(await status(order)).toBe('0002');

    const [first, second] = [itemIdOf(order, 0), itemIdOf(order, 1)];
    const partial = dispenseNotification(shortFormIdOf(order), 'FCG71', [
      { itemId: first, type: '0003', quantity: 5 },
      { itemId: second, type: '0004', quantity: 0 },
    ]);
    expect((await api.message(partial, p1)).statusCode).toBe(200);
    expect(await status(order)).toBe('0003');
    const complete = dispenseNotification(shortFormIdOf(order), 'FCG71', [
      { itemId: first, type: '0001', quantity: 15 },
      { itemId: second, type: '0001', quantity: 20 },
    ]);
    const done = await api.message(complete, p1);
    expect(done.statusCode, done.body).toBe(200);
    expect(await status(order)).toBe('0006');
    const claimed = await api.claim(claim(shortFormIdOf(order)), p1);
    expect(claimed.statusCode, claimed.body).toBe(200);
    expect(await status(order)).toBe('0008');

    const events = await app.pathways.db.query<{ type: string }>(
      'SELECT type FROM outbox_event WHERE key = $1 ORDER BY seq',
      [shortFormIdOf(order)],
    );
    expect(events.rows.map((row) => row.type)).toEqual([
      'prescription-order',
      'prescription-released',
      'dispense-notification',
      'dispense-notification',
      'claim',
    ]);
  });

  it('releases by ID, and refuses it to a second pharmacy (409) and for unknown IDs (404)', async () => {
    const order = await prescribe({ nominated: null });
    const byId = await api.release(releaseParameters('FEW08', shortFormIdOf(order)), p2);
    expect(byId.statusCode, byId.body).toBe(200);
    expect(releaseOutcome(byId.json()).passed).toHaveLength(1);
    const again = await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    expect(again.statusCode).toBe(409);
    expect(errorCode(again.json())).toBe('PRESCRIPTION_WITH_ANOTHER_DISPENSER');
    const unknown = await api.release(releaseParameters('FCG71', '24F5DA-A83008-7EFE6Z'), p1);
    expect(unknown.statusCode).toBe(404);
    expect(errorCode(unknown.json())).toBe('PRESCRIPTION_NOT_FOUND');
  });

  it('returns a prescription so that another pharmacy can release it', async () => {
    const order = await prescribe();
    expect((await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1)).statusCode).toBe(200);
    const returned = await api.task(returnTask(shortFormIdOf(order), 'FCG71'), p1);
    expect(returned.statusCode, returned.body).toBe(200);
    const record = (await findPrescription(app.pathways.db, shortFormIdOf(order)))!;
    expect(record).toMatchObject({ status: '0001', nominatedPharmacy: 'FCG71', dispenser: undefined });
    expect((await api.release(releaseParameters('FEW08', shortFormIdOf(order)), p2)).statusCode).toBe(200);
    expect((await findPrescription(app.pathways.db, shortFormIdOf(order)))!.dispenser).toBe('FEW08');
  });

  it('withdraws the latest dispense notification, not after a claim', async () => {
    const order = await prescribe();
    expect((await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1)).statusCode).toBe(200);
    const note = dispenseNotification(shortFormIdOf(order), 'FCG71', [
      { itemId: itemIdOf(order), type: '0001', quantity: 20 },
    ]);
    expect((await api.message(note, p1)).statusCode).toBe(200);
    expect(await status(order)).toBe('0006');
    const withdrawn = await api.task(withdrawTask(shortFormIdOf(order), 'FCG71'), p1);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(await status(order)).toBe('0002');
    expect((await api.message(note, p1)).statusCode).toBe(200);
    expect((await api.claim(claim(shortFormIdOf(order)), p1)).statusCode).toBe(200);
    const late = await api.task(withdrawTask(shortFormIdOf(order), 'FCG71'), p1);
    expect(late.statusCode).toBe(409);
    expect(errorCode(late.json())).toBe('INVALID_STATE_TRANSITION');
  });

  it('amends a notification sent again with the same identifier', async () => {
    const order = await prescribe();
    await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    const id = crypto.randomUUID();
    const note = (quantity: number, type: '0001' | '0003') =>
      dispenseNotification(shortFormIdOf(order), 'FCG71', [{ itemId: itemIdOf(order), type, quantity }], {
        id,
      });
    expect((await api.message(note(5, '0003'), p1)).statusCode).toBe(200);
    expect((await api.message(note(20, '0001'), p1)).statusCode).toBe(200);
    const record = (await findPrescription(app.pathways.db, shortFormIdOf(order)))!;
    expect(record.status).toBe('0006');
    expect(record.state.dispenses).toHaveLength(1);
  });

  it('refuses more than prescribed, another pharmacy, the wrong role and a second claim', async () => {
    const order = await prescribe();
    await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    const tooMuch = dispenseNotification(shortFormIdOf(order), 'FCG71', [
      { itemId: itemIdOf(order), type: '0001', quantity: 21 },
    ]);
    const exceeded = await api.message(tooMuch, p1);
    expect(exceeded.statusCode).toBe(400);
    expect(errorCode(exceeded.json())).toBe('QUANTITY_EXCEEDED');
    const note = dispenseNotification(shortFormIdOf(order), 'FEW08', [
      { itemId: itemIdOf(order), type: '0001', quantity: 20 },
    ]);
    const elsewhere = await api.message(note, p2);
    expect(elsewhere.statusCode).toBe(403);
    expect(errorCode(elsewhere.json())).toBe('FORBIDDEN');
    expect((await api.message(note, await gp.bearer())).statusCode).toBe(403);
    expect((await api.task(returnTask(shortFormIdOf(order), 'FEW08'), p2)).statusCode).toBe(403);
    expect((await api.claim(claim(shortFormIdOf(order)), p1)).statusCode).toBe(409);
    expect(
      (
        await api.message(
          dispenseNotification(shortFormIdOf(order), 'FCG71', [
            { itemId: itemIdOf(order), type: '0001', quantity: 20 },
          ]),
          p1,
        )
      ).statusCode,
    ).toBe(200);
    expect((await api.claim(claim(shortFormIdOf(order), { endorsed: false }), p1)).statusCode).toBe(400);
    const first = claim(shortFormIdOf(order));
    expect((await api.claim(first, p1)).statusCode).toBe(200);
    expect((await api.claim(first, p1)).statusCode).toBe(200);
    const second = await api.claim(claim(shortFormIdOf(order)), p1);
    expect(second.statusCode).toBe(409);
    expect(await status(order)).toBe('0008');
  });

  it("answers another pharmacy's claim, dispense, return and withdraw alike, whatever the status", async () => {
    // One prescription in each state another pharmacy might probe: never released, released to
    // FCG71, dispensed by it, claimed by it, and cancelled before release.
    const unreleased = await prescribe();
    const released = await prescribe();
    const dispensed = await prescribe();
    const claimed = await prescribe();
    const cancelled = await prescribe();
    for (const order of [released, dispensed, claimed]) {
      expect((await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1)).statusCode).toBe(200);
    }
    for (const order of [dispensed, claimed]) {
      const note = dispenseNotification(shortFormIdOf(order), 'FCG71', [
        { itemId: itemIdOf(order), type: '0001', quantity: 20 },
      ]);
      expect((await api.message(note, p1)).statusCode).toBe(200);
    }
    const claimedByP1 = claim(shortFormIdOf(claimed));
    expect((await api.claim(claimedByP1, p1)).statusCode).toBe(200);
    const { cancelBundle } = await import('../../test/support/prescribing/cancel-bundle.js');
    expect((await processMessage(app, cancelBundle(cancelled, [0]), await gp.bearer())).statusCode).toBe(200);

    const answers = new Set<string>();
    for (const order of [unreleased, released, dispensed, claimed, cancelled]) {
      const id = shortFormIdOf(order);
      const calls = {
        claim: await api.claim(claim(id), p2),
        'claim resent': await api.claim(claimedByP1, p2),
        dispense: await api.message(
          dispenseNotification(id, 'FEW08', [{ itemId: itemIdOf(order), type: '0001', quantity: 20 }]),
          p2,
        ),
        return: await api.task(returnTask(id, 'FEW08'), p2),
        withdraw: await api.task(withdrawTask(id, 'FEW08'), p2),
      };
      for (const [name, response] of Object.entries(calls)) {
        expect(response.statusCode, `${name} ${await status(order)}`).toBe(403);
        expect(errorCode(response.json()), name).toBe('FORBIDDEN');
        answers.add(JSON.stringify(response.json().issue));
      }
    }
    // Word for word the same refusal: nothing about dispensing, claims or cancellation.
    expect(answers.size).toBe(1);
    expect([...answers][0]).not.toMatch(/claim|dispensed|cancel|expired|status/i);
    expect(await status(claimed)).toBe('0008');
    expect(await status(dispensed)).toBe('0006');
  });

  it('refuses release to a token of another organisation, and to non-dispensers', async () => {
    const order = await prescribe();
    expect((await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p2)).statusCode).toBe(403);
    expect(
      (await api.release(releaseParameters('FCG71', shortFormIdOf(order)), await gp.bearer())).statusCode,
    ).toBe(403);
    const patient = await app.bearer({ roles: ['patient'], fhirUser: 'Patient/x' });
    expect((await api.release(releaseParameters('FCG71', shortFormIdOf(order)), patient)).statusCode).toBe(
      403,
    );
    expect(await status(order)).toBe('0001');
  });

  it('tells the pharmacy on release about items the prescriber cancelled, and refuses to dispense them', async () => {
    const order = await prescribe({ items: 2 });
    await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    const { cancelBundle } = await import('../../test/support/prescribing/cancel-bundle.js');
    expect((await processMessage(app, cancelBundle(order, [0]), await gp.bearer())).statusCode).toBe(200);
    const again = await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    const { warnings } = releaseOutcome(again.json());
    expect(JSON.stringify(warnings)).toContain(itemIdOf(order, 0));
    const note = dispenseNotification(shortFormIdOf(order), 'FCG71', [
      { itemId: itemIdOf(order, 0), type: '0001', quantity: 20 },
    ]);
    const refused = await api.message(note, p1);
    expect(refused.statusCode).toBe(409);
    expect(errorCode(refused.json())).toBe('INVALID_STATE_TRANSITION');
  });

  it("accepts the EPS example's item types 0001, 0001, 0004, 0005, refusing 0005 for an item not cancelled", async () => {
    const order = await prescribe({ items: 4 });
    const id = shortFormIdOf(order);
    await api.release(releaseParameters('FCG71', id), p1);
    const example = (options: { id?: string } = {}) =>
      dispenseNotification(
        id,
        'FCG71',
        [
          { itemId: itemIdOf(order, 0), type: '0001', quantity: 20 },
          { itemId: itemIdOf(order, 1), type: '0001', quantity: 20 },
          { itemId: itemIdOf(order, 2), type: '0004', quantity: 0 },
          { itemId: itemIdOf(order, 3), type: '0005', quantity: 0 },
        ],
        options,
      );
    const notCancelled = await api.message(example(), p1);
    expect(notCancelled.statusCode).toBe(409);
    expect(errorCode(notCancelled.json())).toBe('INVALID_STATE_TRANSITION');
    expect(notCancelled.json().issue[0].diagnostics).toMatch(/not cancelled/);
    expect(await status(order)).toBe('0002');
    const { cancelBundle } = await import('../../test/support/prescribing/cancel-bundle.js');
    expect((await processMessage(app, cancelBundle(order, [3]), await gp.bearer())).statusCode).toBe(200);
    const accepted = await api.message(example(), p1);
    expect(accepted.statusCode, accepted.body).toBe(200);
    // Item 3 is owed: the prescription is still being dispensed.
    expect(await status(order)).toBe('0003');
    for (const code of ['0006', '0007', '0008'] as const) {
      const line = dispenseNotification(id, 'FCG71', [
        { itemId: itemIdOf(order, 2), type: code, quantity: 0 },
      ]);
      const answer = await api.message(line, p1);
      expect(answer.statusCode, `${code} ${answer.body}`).toBe(code === '0006' ? 409 : 200);
    }
    expect(await status(order)).toBe('0003');
  });

  it('limits a nominated release to 25 prescriptions', async () => {
    const pharmacy = 'FQ123';
    for (let index = 0; index < 27; index += 1) {
      const order = await gp.signedOrder({ nominatedPharmacy: pharmacy });
      expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    }
    const token = await api.pharmacist(pharmacy);
    const first = releaseOutcome((await api.release(releaseParameters(pharmacy), token)).json());
    expect(first.passed).toHaveLength(25);
    const second = releaseOutcome((await api.release(releaseParameters(pharmacy), token)).json());
    expect(second.passed).toHaveLength(2);
    expect(
      releaseOutcome((await api.release(releaseParameters(pharmacy), token)).json()).passed,
    ).toHaveLength(0);
  });
});
