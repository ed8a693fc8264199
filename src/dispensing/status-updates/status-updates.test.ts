/** Prescription status updates over HTTP on both databases: who may send them, duplicates, the tracker's words, the cool-down. */
import type { Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { type dispensingApi, errorCode, startDispensingTest } from '../../../test/support/dispensing/api.js';
import { processMessage, type TestPrescriber } from '../../../test/support/prescribing/prescriber.js';
import { itemIdOf, shortFormIdOf } from '../../prescribing/examples/order-bundle.js';
import { releaseParameters, statusUpdate as statusUpdateTask } from '../examples/messages.js';

describe.each(databaseKinds)('prescription status updates on %s', (kind) => {
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

  it('records updates from the holding pharmacy, refuses duplicates, others and the future, and tells the patient once', async () => {
    const order = await gp.signedOrder({ nominatedPharmacy: 'FCG71' });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    const id = shortFormIdOf(order);
    const update = (
      status: string,
      options: { pharmacy?: string; lastModified?: string; id?: string } = {},
    ) =>
      statusUpdateTask({
        shortFormId: id,
        itemId: itemIdOf(order),
        pharmacy: options.pharmacy ?? 'FCG71',
        status,
        ...options,
      });
    // Not released yet: refused like any call about a prescription the pharmacy does not hold.
    expect((await api.task(update('With Pharmacy'), p1)).statusCode).toBe(403);
    await api.release(releaseParameters('FCG71', id), p1);
    expect((await api.task(update('With Pharmacy'), p1)).statusCode).toBe(201);
    const ready = update('Ready to Collect');
    expect((await api.task(ready, p1)).statusCode).toBe(201);
    const duplicate = await api.task(ready, p1);
    expect(duplicate.statusCode).toBe(409);
    expect(errorCode(duplicate.json())).toBe('CONFLICT');
    const other = await api.task(update('Collected', { pharmacy: 'FEW08' }), p2);
    expect(other.statusCode).toBe(403);
    const future = await api.task(
      update('Collected', { lastModified: new Date(Date.now() + 25 * 3600 * 1000).toISOString() }),
      p1,
    );
    expect(future.statusCode).toBe(400);
    // Ready again an hour later: recorded, but within the cool-down the patient is not messaged again.
    const later = new Date(Date.now() + 3600 * 1000).toISOString();
    expect((await api.task(update('Ready to Collect', { lastModified: later }), p1)).statusCode).toBe(201);
    const events = await app.pathways.db.query<{
      payload: { businessStatus: string; notifyPatient: boolean };
    }>(
      `SELECT payload FROM outbox_event WHERE key = $1 AND type = 'prescription-status-update' ORDER BY seq`,
      [id],
    );
    expect(events.rows.map((row) => [row.payload.businessStatus, row.payload.notifyPatient])).toEqual([
      ['With Pharmacy', false],
      ['Ready to Collect', true],
      ['Ready to Collect', false],
    ]);
    // The tracker says it in plain words.
    const tracker = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Task?focus:identifier=${id}`,
      headers: { authorization: await gp.bearer() },
    });
    const task = tracker.json().entry[0].resource as Task;
    const words = JSON.stringify(task.extension);
    expect(words).toContain('Ready to collect from your pharmacy');
  });
});
