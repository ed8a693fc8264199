/**
 * The order's signed Bundle is stored once (prescribing/order/order-event.ts): the outbox row of a
 * `prescription-order` refers to the prescription, and the ePMS still receives the Bundle as it
 * was signed and ordered, even when the prescription was cancelled before the feed delivered it.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { type FeedTestApp, startFeedApp } from '../../test/support/feed/app.js';
import { cancelBundle } from '../../test/support/prescribing/cancel-bundle.js';
import { processMessage, registerPrescriber } from '../../test/support/prescribing/prescriber.js';
import { shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { verifyBundleSignature } from '../signing/index.js';

describe.each(databaseKinds)('the order event stored once, on %s', (kind) => {
  let t: FeedTestApp;

  beforeAll(async () => {
    t = await startFeedApp(kind);
  });
  afterAll(() => t?.close());

  it('stores a reference and delivers the signed Bundle as ordered, after a cancellation too', async () => {
    const gp = await registerPrescriber(t.app);
    const prescriber = await gp.bearer();
    await t.epms.refuseConnections();
    const order = await gp.signedOrder({ items: [{}, {}] });
    const id = shortFormIdOf(order);
    expect((await processMessage(t.app, order, prescriber)).statusCode).toBe(200);
    const cancelled = await processMessage(t.app, cancelBundle(order, [0, 1]), prescriber);
    expect(cancelled.statusCode, cancelled.body).toBe(200);

    const row = await t.app.pathways.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM outbox_event WHERE type = 'prescription-order' AND key = $1`,
      [id],
    );
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]!.payload).toMatchObject({
      prescriptionId: id,
      patient: expect.stringMatching(/^Patient\//),
    });
    expect(row.rows[0]!.payload).not.toHaveProperty('resource');

    await t.epms.acceptConnections();
    await t.drained();
    const delivered = t.epms.ledger.of(id);
    expect(delivered.map((event) => event.type)).toEqual(['prescription-order', 'prescription-cancel']);
    const resource = delivered[0]!.resource as unknown as Bundle;
    expect(resource).toEqual(JSON.parse(JSON.stringify(order)));
    await expect(verifyBundleSignature(resource)).resolves.toMatchObject({ alg: expect.any(String) });
  });
});
