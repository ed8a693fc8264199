/**
 * What the feed delivers is stored once: the outbox row of a `prescription-order` refers to the
 * prescription (prescribing/order/order-event.ts), and that of a `claim` to the stored Claim
 * (dispensing/claim/claim-event.ts); the ePMS still receives the Bundle as it was signed and
 * ordered, even when the prescription was cancelled before the feed delivered it, and the Claim
 * the pharmacy made, as stored.
 */
import type { Bundle, Claim } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { dispensingApi } from '../../test/support/dispensing/api.js';
import { type FeedTestApp, startFeedApp } from '../../test/support/feed/app.js';
import { cancelBundle } from '../../test/support/prescribing/cancel-bundle.js';
import { processMessage, registerPrescriber } from '../../test/support/prescribing/prescriber.js';
import { claim, dispenseNotification, releaseParameters } from '../dispensing/examples/messages.js';
import { itemIdOf, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { verifyBundleSignature } from '../signing/index.js';

describe.each(databaseKinds)('the feed events stored once, on %s', (kind) => {
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

  it('stores a reference and delivers the stored Claim', async () => {
    const gp = await registerPrescriber(t.app);
    const api = dispensingApi(t.app);
    const pharmacy = await api.pharmacist('FCG71');
    const order = await gp.signedOrder({ nominatedPharmacy: null, items: [{ quantity: 10 }] });
    const id = shortFormIdOf(order);
    expect((await processMessage(t.app, order, await gp.bearer())).statusCode).toBe(200);
    expect((await api.release(releaseParameters('FCG71', id), pharmacy)).statusCode).toBe(200);
    const dispensed = dispenseNotification(id, 'FCG71', [
      { itemId: itemIdOf(order), type: '0001', quantity: 10 },
    ]);
    expect((await api.message(dispensed, pharmacy)).statusCode).toBe(200);
    const sent = claim(id);
    const claimed = await api.claim(sent, pharmacy);
    expect(claimed.statusCode, claimed.body).toBeLessThan(300);

    const row = await t.app.pathways.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM outbox_event WHERE type = 'claim' AND key = $1`,
      [id],
    );
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]!.payload).toMatchObject({ prescriptionId: id, pharmacy: 'FCG71' });
    expect(row.rows[0]!.payload).not.toHaveProperty('resource');

    await t.drained();
    const delivered = t.epms.ledger.of(id);
    expect(delivered.map((event) => event.type)).toEqual([
      'prescription-order',
      'dispense-notification',
      'claim',
    ]);
    const resource = delivered[2]!.resource as unknown as Claim;
    const stored = await t.app.pathways.db.query<{ id: string }>(
      'SELECT claim_id AS id FROM prescription_claim WHERE short_form_id = $1',
      [id],
    );
    expect(resource).toMatchObject({
      resourceType: 'Claim',
      id: stored.rows[0]!.id,
      identifier: sent.identifier,
      patient: { reference: expect.stringMatching(/^Patient\//) },
      meta: { versionId: '1' },
    });
    expect(resource.item).toHaveLength(sent.item!.length);
  });
});
