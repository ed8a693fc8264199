import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { shortFormIdOf } from '../examples/order-bundle.js';
import { findPrescription } from '../store/prescriptions.js';
import { expirePrescriptions } from './expire-prescriptions.js';

describe.each(databaseKinds)('prescription expiry on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;

  beforeAll(async () => {
    app = await startTestApp(kind);
    gp = await registerPrescriber(app, { rights: ['independent', 'controlled-drugs'] });
  });
  afterAll(async () => app?.close());

  async function prescribe(controlled: boolean) {
    const order = await gp.signedOrder({ items: [{ controlled }] });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    return shortFormIdOf(order);
  }

  it('expires after 6 months, or 28 days for a controlled drug, and emits prescription-expired', async () => {
    const ordinary = await prescribe(false);
    const controlled = await prescribe(true);
    const day = 86_400_000;
    await expirePrescriptions(app.pathways.db, { now: new Date(Date.now() + 27 * day) });
    expect((await findPrescription(app.pathways.db, controlled))!.status).toBe('0001');
    await expirePrescriptions(app.pathways.db, { now: new Date(Date.now() + 29 * day) });
    expect((await findPrescription(app.pathways.db, controlled))!.status).toBe('0004');
    expect((await findPrescription(app.pathways.db, ordinary))!.status).toBe('0001');
    const count = await expirePrescriptions(app.pathways.db, { now: new Date(Date.now() + 190 * day) });
    expect(count).toBeGreaterThanOrEqual(1);
    const record = (await findPrescription(app.pathways.db, ordinary))!;
    expect(record.status).toBe('0004');
    expect(record.state.items.every((item) => item.expired)).toBe(true);
    const events = await app.pathways.db.query(
      `SELECT key FROM outbox_event WHERE type = 'prescription-expired'`,
    );
    expect(events.rows.map((row) => (row as { key: string }).key)).toEqual(
      expect.arrayContaining([ordinary, controlled]),
    );
    // Nothing left to expire: a second run changes nothing.
    expect(await expirePrescriptions(app.pathways.db, { now: new Date(Date.now() + 190 * day) })).toBe(0);
  });
});
