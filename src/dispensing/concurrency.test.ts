import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { type dispensingApi, errorCode, startDispensingTest } from '../../test/support/dispensing/api.js';
import { processMessage, type TestPrescriber } from '../../test/support/prescribing/prescriber.js';
import { itemIdOf, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { findPrescription } from '../prescribing/store/prescriptions.js';
import { dispenseNotification, releaseParameters } from './examples/messages.js';

// Real concurrent requests: on PostgreSQL they run on separate connections at once; the row lock
// decides. (PGlite has one connection, so the same requests are serialised there.)
describe.each(databaseKinds.filter((kind) => kind === 'postgres'))('concurrent dispensing on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;

  beforeAll(async () => {
    ({ app, gp, api } = await startDispensingTest(kind));
  });
  afterAll(async () => app?.close());

  it('gives a prescription released by two pharmacies at once to exactly one of them', async () => {
    const [a, b] = [await api.pharmacist('FCG71'), await api.pharmacist('FEW08')];
    for (let round = 0; round < 10; round += 1) {
      const order = await gp.signedOrder({ nominatedPharmacy: null });
      expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
      const id = shortFormIdOf(order);
      const responses = await Promise.all([
        api.release(releaseParameters('FCG71', id), a),
        api.release(releaseParameters('FEW08', id), b),
      ]);
      const codes = responses.map((response) => response.statusCode).sort();
      expect(codes).toEqual([200, 409]);
      const loser = responses.find((response) => response.statusCode === 409)!;
      expect(errorCode(loser.json())).toBe('PRESCRIPTION_WITH_ANOTHER_DISPENSER');
      const winner = responses[0]!.statusCode === 200 ? 'FCG71' : 'FEW08';
      expect((await findPrescription(app.pathways.db, id))!.dispenser).toBe(winner);
    }
  });

  it('never lets racing dispense notifications exceed the prescribed quantity', async () => {
    const token = await api.pharmacist('FCG71');
    const order = await gp.signedOrder({ items: [{ quantity: 10 }] });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    const id = shortFormIdOf(order);
    expect((await api.release(releaseParameters('FCG71', id), token)).statusCode).toBe(200);
    // Eight notifications of 3 each race: at most three fit in 10.
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.message(
          dispenseNotification(id, 'FCG71', [{ itemId: itemIdOf(order), type: '0003', quantity: 3 }]),
          token,
        ),
      ),
    );
    const accepted = responses.filter((response) => response.statusCode === 200).length;
    expect(accepted).toBe(3);
    for (const response of responses.filter((candidate) => candidate.statusCode !== 200)) {
      expect(errorCode(response.json())).toBe('QUANTITY_EXCEEDED');
    }
    const record = (await findPrescription(app.pathways.db, id))!;
    expect(
      record.state.dispenses.flatMap((note) => note.lines).reduce((sum, line) => sum + line.quantity, 0),
    ).toBe(9);
  });
});
