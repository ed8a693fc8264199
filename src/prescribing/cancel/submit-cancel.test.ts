import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { cancelBundle } from '../../../test/support/prescribing/cancel-bundle.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { itemIdOf, shortFormIdOf } from '../examples/order-bundle.js';
import { transition } from '../status/state-machine.js';
import { findPrescription, saveState } from '../store/prescriptions.js';
import { STATUS_HISTORY_EXTENSION } from './cancel-response.js';

function rCodes(response: Bundle): string[] {
  return (response.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is MedicationRequest => resource?.resourceType === 'MedicationRequest')
    .map(
      (request) =>
        request.extension
          ?.find((extension) => extension.url === STATUS_HISTORY_EXTENSION)
          ?.extension?.find((part) => part.url === 'status')?.valueCoding?.code ?? 'none',
    );
}

describe.each(databaseKinds)('cancellation on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;

  beforeAll(async () => {
    app = await startTestApp(kind);
    gp = await registerPrescriber(app);
  });
  afterAll(async () => app?.close());

  async function prescribe(items = 1): Promise<{ order: Bundle; shortFormId: string }> {
    const order = await gp.signedOrder({
      items: Array.from({ length: items }, () => ({})),
      nominatedPharmacy: 'FCG71',
    });
    const response = await processMessage(app, order, await gp.bearer());
    expect(response.statusCode, response.body).toBe(200);
    return { order, shortFormId: shortFormIdOf(order) };
  }

  /** Moves a stored prescription through the state machine, as dispensing would. */
  async function move(shortFormId: string, ...actions: Parameters<typeof transition>[1][]) {
    await app.pathways.db.transaction(async (tx) => {
      const record = (await findPrescription(tx, shortFormId, { forUpdate: true }))!;
      let state = record.state;
      for (const action of actions) state = transition(state, action).state;
      await saveState(tx, record, state);
    });
  }

  async function cancel(order: Bundle, positions: number[] = [0], authorization?: string) {
    return processMessage(app, cancelBundle(order, positions), authorization ?? (await gp.bearer()));
  }

  it('cancels a prescription waiting to be dispensed (R-0001) and marks its item cancelled', async () => {
    const { order, shortFormId } = await prescribe();
    const response = await cancel(order);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Bundle;
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'message' });
    expect(body.entry?.[0]?.resource).toMatchObject({
      resourceType: 'MessageHeader',
      eventCoding: { code: 'prescription-order-response' },
    });
    expect(rCodes(body)).toEqual(['R-0001']);
    expect((await findPrescription(app.pathways.db, shortFormId))!.status).toBe('0005');
    const itemId = itemIdOf(order);
    const item = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/MedicationRequest/${itemId}`,
      headers: { authorization: await gp.bearer() },
    });
    expect(item.json()).toMatchObject({ status: 'cancelled' });
    const events = await app.pathways.db.query(
      `SELECT 1 FROM outbox_event WHERE type = 'prescription-cancel' AND key = $1`,
      [shortFormId],
    );
    expect(events.rowCount).toBe(1);
  });

  it('answers the same for a resend of the same cancellation, changing nothing', async () => {
    const { order } = await prescribe();
    const message = cancelBundle(order);
    const first = await processMessage(app, message, await gp.bearer());
    const events = await app.pathways.db.query(`SELECT count(*)::int AS n FROM outbox_event`);
    const again = await processMessage(app, message, await gp.bearer());
    expect(again.statusCode).toBe(200);
    expect(rCodes(again.json())).toEqual(rCodes(first.json()));
    expect((await app.pathways.db.query(`SELECT count(*)::int AS n FROM outbox_event`)).rows).toEqual(
      events.rows,
    );
  });

  it('answers R-0006 for an item already cancelled, and R-0008 for an unknown prescription or item', async () => {
    const { order } = await prescribe(2);
    expect(rCodes((await cancel(order, [0])).json())).toEqual(['R-0001']);
    expect(rCodes((await cancel(order, [0, 1])).json())).toEqual(['R-0006', 'R-0001']);
    const unknown = await gp.signedOrder();
    expect(rCodes((await cancel(unknown)).json())).toEqual(['R-0008']);
  });

  it('marks an item with a dispenser for cancellation (R-0002), tells the pharmacy, and flags it on the tracker', async () => {
    const { order, shortFormId } = await prescribe(2);
    await move(shortFormId, { type: 'release', pharmacy: 'FCG71' });
    expect(rCodes((await cancel(order, [0])).json())).toEqual(['R-0002']);
    const record = (await findPrescription(app.pathways.db, shortFormId))!;
    expect(record.status).toBe('0002');
    expect(record.state.items[0]).toMatchObject({ cancelled: true, cancelledWithDispenser: true });
    const notices = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Communication?recipient:identifier=${ODS_SYSTEM}|FCG71`,
      headers: { authorization: await app.bearer({ roles: ['dispenser'], org: 'FCG71' }) },
    });
    expect(notices.statusCode, notices.body).toBe(200);
    expect(JSON.stringify(notices.json())).toContain(shortFormId);
  });

  it('answers R-0004 once dispensed and R-0005 once expired', async () => {
    const dispensed = await prescribe();
    const itemId = itemIdOf(dispensed.order);
    await move(
      dispensed.shortFormId,
      { type: 'release', pharmacy: 'FCG71' },
      {
        type: 'dispense',
        pharmacy: 'FCG71',
        record: { id: 'n1', lines: [{ itemId, type: 'dispensed', quantity: 20 }] },
      },
    );
    expect(rCodes((await cancel(dispensed.order)).json())).toEqual(['R-0004']);
    const claimed = await prescribe();
    const claimedItem = itemIdOf(claimed.order);
    await move(
      claimed.shortFormId,
      { type: 'release', pharmacy: 'FCG71' },
      {
        type: 'dispense',
        pharmacy: 'FCG71',
        record: { id: 'n1', lines: [{ itemId: claimedItem, type: 'dispensed', quantity: 20 }] },
      },
      { type: 'claim', pharmacy: 'FCG71' },
    );
    expect(rCodes((await cancel(claimed.order)).json())).toEqual(['R-0004']);
    const expired = await prescribe();
    await move(expired.shortFormId, { type: 'expire' });
    expect(rCodes((await cancel(expired.order)).json())).toEqual(['R-0005']);
  });

  it('lets only the original prescriber cancel', async () => {
    const { order, shortFormId } = await prescribe();
    const colleague = await registerPrescriber(app);
    const response = await cancel(order, [0], await colleague.bearer());
    expect(response.statusCode).toBe(403);
    const dispenser = await cancel(order, [0], await app.bearer({ roles: ['dispenser'], org: 'FCG71' }));
    expect(dispenser.statusCode).toBe(403);
    expect((await findPrescription(app.pathways.db, shortFormId))!.status).toBe('0001');
  });

  it('refuses a malformed cancellation with an OperationOutcome', async () => {
    const { order } = await prescribe();
    const message = cancelBundle(order);
    const item = message.entry![1]!.resource as MedicationRequest;
    delete item.statusReason;
    const response = await processMessage(app, message, await gp.bearer());
    expect(response.statusCode).toBe(400);
    expect(response.json().issue[0].details.coding[0].code).toBe('MISSING_VALUE');
  });
});
