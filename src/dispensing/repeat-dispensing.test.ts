/**
 * Electronic repeat dispensing end to end, on both databases: an eRD order as EPS sends it goes
 * issue 1 → release (with its issue number) → dispense → claim → issue 2 available after its
 * interval (the job, or the release itself) → …; "not required", claims and no-claims per issue,
 * cancellation of the issues to come, and never an issue after the authorisation expiry.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle, MedicationRequest, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import {
  type dispensingApi,
  errorCode,
  releaseOutcome,
  startDispensingTest,
} from '../../test/support/dispensing/api.js';
import { cancelBundle } from '../../test/support/prescribing/cancel-bundle.js';
import { processMessage, type TestPrescriber } from '../../test/support/prescribing/prescriber.js';
import { itemIdOf, orderItems, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { generateShortFormId } from '../prescribing/identifiers/index.js';
import { PRESCRIPTION_ITEM_NUMBER } from '../prescribing/index.js';
import { PRESCRIPTION_ISSUE_EXTENSION } from '../prescribing/repeat/repeat-state.js';
import { startDueIssues } from '../prescribing/repeat/start-issue.js';
import { findPrescription } from '../prescribing/store/prescriptions.js';
import { claim, dispenseNotification, releaseParameters } from './examples/messages.js';
import { closeUnclaimed } from './no-claim/close-unclaimed.js';

const DAY = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

function issueOf(bundle: Bundle): number | undefined {
  const extension = bundle.meta?.extension?.find((each) => each.url === PRESCRIPTION_ISSUE_EXTENSION);
  return extension?.extension?.find((part) => part.url === 'issueNumber')?.valueUnsignedInt;
}

/** The EPS specification's eRD example with our prescriber, fresh identifiers and today's dates. */
function epsExample(gmc: string): Bundle {
  const bundle = JSON.parse(
    readFileSync(
      new URL('../../test/fixtures/eps/prescription-order-repeat-dispensing.json', import.meta.url),
      'utf8',
    ),
  ) as Bundle;
  const shortFormId = generateShortFormId('A83008');
  const longFormId = randomUUID();
  const start = today();
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource!;
    if (resource.resourceType === 'MedicationRequest') {
      const request = resource as MedicationRequest;
      const id = randomUUID();
      request.identifier = [{ system: PRESCRIPTION_ITEM_NUMBER, value: id }];
      request.groupIdentifier!.value = shortFormId;
      request.groupIdentifier!.extension![0]!.valueIdentifier!.value = longFormId;
      request.dispenseRequest!.validityPeriod = { start };
      for (const part of request.extension?.flatMap((extension) => extension.extension ?? []) ?? []) {
        if (part.url === 'authorisationExpiryDate')
          part.valueDateTime = `${Number(start.slice(0, 4)) + 1}${start.slice(4)}`;
      }
    }
    if (resource.resourceType === 'Practitioner') {
      resource.identifier = [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gmc }];
    }
  }
  bundle.entry = (bundle.entry ?? []).filter((entry) => entry.resource?.resourceType !== 'Provenance');
  bundle.identifier = { system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() };
  return bundle;
}

describe.each(databaseKinds)('electronic repeat dispensing on %s', (kind) => {
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

  async function prescribe(
    terms: { repeats?: number; intervalDays?: number; authorisationExpiry?: string } = {},
  ) {
    const order = await gp.signedOrder({ repeatDispensing: terms, nominatedPharmacy: 'FCG71' });
    const response = await processMessage(app, order, await gp.bearer());
    expect(response.statusCode, response.body).toBe(200);
    return order;
  }
  const record = async (order: Bundle) => (await findPrescription(app.pathways.db, shortFormIdOf(order)))!;
  const dispenseAll = (order: Bundle, type: '0001' | '0002' = '0001') =>
    api.message(
      dispenseNotification(shortFormIdOf(order), 'FCG71', [
        { itemId: itemIdOf(order), type, quantity: type === '0001' ? 20 : 0 },
      ]),
      p1,
    );

  it('goes issue 1 → dispense → claim → issue 2 available after its interval, with its number on release and in the tracker', async () => {
    const order = await prescribe({ repeats: 5, intervalDays: 28 });
    expect((await record(order)).state.repeat).toMatchObject({ issue: 1, issues: 6, intervalDays: 28 });

    const first = releaseOutcome((await api.release(releaseParameters('FCG71'), p1)).json());
    const released = first.passed.find((bundle) => shortFormIdOf(bundle) === shortFormIdOf(order))!;
    expect(issueOf(released)).toBe(1);
    expect(released.identifier).toEqual(order.identifier);
    expect((await dispenseAll(order)).statusCode).toBe(200);
    const dispensed = await record(order);
    expect(dispensed.status).toBe('0006');
    const due = new Date(dispensed.state.repeat!.nextIssueFrom!);
    // 21 days on (28 less EPS's week), from the start of a London day.
    expect(due.getTime() - Date.now()).toBeGreaterThan(19 * DAY);
    expect(due.getTime() - Date.now()).toBeLessThan(22 * DAY);
    expect((await api.claim(claim(shortFormIdOf(order)), p1)).statusCode).toBe(200);
    expect((await record(order)).status).toBe('0008');

    const early = await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    expect(early.statusCode).toBe(409);
    expect(errorCode(early.json())).toBe('INVALID_STATE_TRANSITION');
    expect(early.json().issue[0].diagnostics).toContain('not available yet');
    expect(await startDueIssues(app.pathways.db, { now: new Date(due.getTime() - 1000) })).toBe(0);
    expect(await startDueIssues(app.pathways.db, { now: due })).toBe(1);
    const second = await record(order);
    expect(second.status).toBe('0001');
    expect(second.state.repeat).toMatchObject({ issue: 2, earlier: [{ issue: 1, status: '0008' }] });

    const again = releaseOutcome((await api.release(releaseParameters('FCG71'), p1)).json());
    const issue2 = again.passed.find((bundle) => shortFormIdOf(bundle) === shortFormIdOf(order));
    expect(issue2 && issueOf(issue2)).toBe(2);

    const tracker = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Task?focus:identifier=${shortFormIdOf(order)}`,
      headers: { authorization: await gp.bearer() },
    });
    const task = tracker.json().entry[0].resource as Task;
    expect(task.identifier).toContainEqual({
      system: 'https://fhir.pathways.dev/Id/prescription-issue',
      value: `${shortFormIdOf(order)}/2`,
    });
    const issue = task.extension?.find((extension) => extension.url === PRESCRIPTION_ISSUE_EXTENSION);
    expect(issue?.extension).toContainEqual({ url: 'issueNumber', valueUnsignedInt: 2 });
    expect(issue?.extension).toContainEqual({ url: 'issuesAuthorised', valueUnsignedInt: 6 });
    expect(JSON.stringify(issue)).toContain('"code":"0008"');

    const events = await app.pathways.db.query<{ type: string; payload: { issue?: number } }>(
      'SELECT type, payload FROM outbox_event WHERE key = $1 ORDER BY seq',
      [shortFormIdOf(order)],
    );
    expect(events.rows.map((row) => [row.type, row.payload.issue])).toEqual([
      ['prescription-order', undefined],
      ['prescription-released', 1],
      ['dispense-notification', 1],
      ['claim', 1],
      ['prescription-issue-available', 2],
      ['prescription-released', 2],
    ]);
  });

  it('accepts the EPS specification eRD example (intent order, UK Core total of 6)', async () => {
    const order = await gp.sign(epsExample(gp.gmc));
    const response = await processMessage(app, order, await gp.bearer());
    expect(response.statusCode, response.body).toBe(200);
    expect((await record(order)).state.repeat).toMatchObject({ issue: 1, issues: 6, intervalDays: 30 });
  });

  it('moves on from an issue marked not required, starts the next at release, and claims and closes per issue', async () => {
    const order = await prescribe({ repeats: 2, intervalDays: 7 });
    const id = shortFormIdOf(order);
    expect((await api.release(releaseParameters('FCG71', id), p1)).statusCode).toBe(200);
    // Not required: every item not dispensed (EPS non-dispensing reason 0001).
    expect((await dispenseAll(order, '0002')).statusCode).toBe(200);
    expect((await record(order)).status).toBe('0007');
    // Weekly: the next issue is due at once, and the release starts it without waiting for the job.
    const second = await api.release(releaseParameters('FCG71', id), p1);
    expect(second.statusCode, second.body).toBe(200);
    expect(issueOf(releaseOutcome(second.json()).passed[0]!)).toBe(2);
    // Issue 1 is claimed while issue 2 is with the pharmacy; once only; never by another pharmacy.
    expect((await api.claim(claim(id), p2)).statusCode).toBe(403);
    expect((await api.claim(claim(id), p1)).statusCode).toBe(200);
    const claims = await app.pathways.db.query<{ issue: number }>(
      'SELECT issue FROM prescription_claim WHERE short_form_id = $1',
      [id],
    );
    expect(claims.rows.map((row) => Number(row.issue))).toEqual([1]);
    expect((await dispenseAll(order)).statusCode).toBe(200);
    expect((await api.release(releaseParameters('FCG71', id), p1)).statusCode).toBe(200);
    const third = await record(order);
    expect(third.state.repeat).toMatchObject({ issue: 3, earlier: [{ status: '0008' }, { status: '0006' }] });
    // The last issue: no fourth.
    expect((await dispenseAll(order)).statusCode).toBe(200);
    expect((await record(order)).state.repeat?.ended).toBe('completed');
    // Months later, the unclaimed issues 2 and 3 close as 0009, each with its event.
    await closeUnclaimed(app.pathways.db, { periodDays: 90, now: new Date(Date.now() + 100 * DAY) });
    const closed = await record(order);
    expect(closed.status).toBe('0009');
    expect(closed.state.repeat?.earlier.map((issue) => issue.status)).toEqual(['0008', '0009']);
    const noClaims = await app.pathways.db.query<{ payload: { issue: number } }>(
      `SELECT payload FROM outbox_event WHERE key = $1 AND type = 'prescription-no-claim' ORDER BY seq`,
      [id],
    );
    expect(noClaims.rows.map((row) => row.payload.issue).sort()).toEqual([2, 3]);
  });

  it('cancels the issues not yet dispensed: R-0001 after a dispensed issue, and no further issue', async () => {
    const order = await prescribe({ repeats: 3, intervalDays: 28 });
    await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    expect((await dispenseAll(order)).statusCode).toBe(200);
    const cancelled = await processMessage(app, cancelBundle(order, [0]), await gp.bearer());
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.body).toContain('R-0001');
    const after = await record(order);
    expect(after.state.repeat).toMatchObject({ ended: 'cancelled', cancelledItems: [itemIdOf(order)] });
    expect(await startDueIssues(app.pathways.db, { now: new Date(Date.now() + 60 * DAY) })).toBe(0);
    expect((await record(order)).state.repeat?.issue).toBe(1);
  });

  it('never starts an issue at or after the authorisation expiry', async () => {
    const expiry = new Date(Date.now() + 25 * DAY).toISOString().slice(0, 10);
    const order = await prescribe({ repeats: 5, intervalDays: 14, authorisationExpiry: expiry });
    await api.release(releaseParameters('FCG71', shortFormIdOf(order)), p1);
    expect((await dispenseAll(order)).statusCode).toBe(200);
    expect((await record(order)).state.repeat?.nextIssueFrom).toBeDefined();
    expect(await startDueIssues(app.pathways.db, { now: new Date(Date.now() + 30 * DAY) })).toBe(1);
    const ended = await record(order);
    expect(ended.state.repeat).toMatchObject({ issue: 1, ended: 'expired' });
    expect(ended.status).toBe('0006');
  });

  it('refuses Schedule 2 controlled drugs as eRD and stores nothing', async () => {
    const order = await gp.signedOrder({
      repeatDispensing: {},
      items: [{ controlled: true, schedule: 'CD2' }],
    });
    const response = await processMessage(app, order, await gp.bearer());
    expect(response.statusCode).toBe(400);
    expect(errorCode(response.json())).toBe('INVALID_VALUE');
    expect(await findPrescription(app.pathways.db, shortFormIdOf(order))).toBeUndefined();
    expect(orderItems(order)).toHaveLength(1);
  });
});
