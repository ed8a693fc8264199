import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { type dispensingApi, startDispensingTest } from '../../../test/support/dispensing/api.js';
import { processMessage, type TestPrescriber } from '../../../test/support/prescribing/prescriber.js';
import { itemIdOf, shortFormIdOf } from '../../prescribing/examples/order-bundle.js';
import { findPrescription } from '../../prescribing/store/prescriptions.js';
import { claim, dispenseNotification, releaseParameters } from '../examples/messages.js';
import { closeUnclaimed } from './close-unclaimed.js';

describe.each(databaseKinds)('no-claim job on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;

  beforeAll(async () => {
    ({ app, gp, api } = await startDispensingTest(kind));
  });
  afterAll(async () => app?.close());

  async function dispensed(type: '0001' | '0003', claimIt = false) {
    const token = await api.pharmacist('FCG71');
    const order = await gp.signedOrder({ items: [{ quantity: 20 }] });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    const id = shortFormIdOf(order);
    await api.release(releaseParameters('FCG71', id), token);
    const note = dispenseNotification(id, 'FCG71', [
      { itemId: itemIdOf(order), type, quantity: type === '0001' ? 20 : 5 },
    ]);
    expect((await api.message(note, token)).statusCode).toBe(200);
    if (claimIt) expect((await api.claim(claim(id), token)).statusCode).toBe(200);
    return id;
  }

  it('closes dispensed and part-dispensed prescriptions left unclaimed past the period (0009), and nothing else', async () => {
    const complete = await dispensed('0001');
    const partial = await dispensed('0003');
    const claimed = await dispensed('0001', true);
    const waiting = await gp.signedOrder();
    await processMessage(app, waiting, await gp.bearer());
    const day = 86_400_000;
    expect(
      await closeUnclaimed(app.pathways.db, { periodDays: 90, now: new Date(Date.now() + 89 * day) }),
    ).toBe(0);
    expect(
      await closeUnclaimed(app.pathways.db, { periodDays: 90, now: new Date(Date.now() + 91 * day) }),
    ).toBe(2);
    expect((await findPrescription(app.pathways.db, complete))!.status).toBe('0009');
    expect((await findPrescription(app.pathways.db, partial))!.status).toBe('0009');
    expect((await findPrescription(app.pathways.db, claimed))!.status).toBe('0008');
    expect((await findPrescription(app.pathways.db, shortFormIdOf(waiting)))!.status).toBe('0001');
  });
});
