/**
 * The feed end to end: the whole service on each database, real HTTP to the fake ePMS on a random
 * port, events emitted the way prescribing and dispensing emit them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { type FeedTestApp, feedPayload, startFeedApp } from '../../test/support/feed/app.js';
import { waitFor } from '../../test/support/platform/wait.js';
import type { Role } from '../platform/auth/principal.js';
import type { DomainEvent } from '../platform/outbox/outbox.js';
import { FEED_CONSUMER } from './consumer.js';
import { keyIdOf, parseFeedPublicKey } from './feed-key.js';
import { FEED_EVENT_TYPES, type FeedEventType } from './wire-format.js';

describe.each(databaseKinds)('the ePMS feed on %s', (kind) => {
  let t: FeedTestApp;
  let n = 0;
  /** A prescription id no other test uses. */
  const rx = (label: string) => `test.${kind}-${label}-${++n}`;

  beforeAll(async () => {
    t = await startFeedApp(kind);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.epms.acceptConnections();
    t.epms.reset();
  });

  const applied = (prescriptionId: string) => t.epms.ledger.of(prescriptionId).map((event) => event.id);
  const backlog = async () =>
    (await t.app.pathways.outbox.stats()).consumers.find((row) => row.consumer === FEED_CONSUMER)?.pending ??
    0;
  async function metric(name: string): Promise<number> {
    const response = await t.app.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' });
    const line = response.body
      .split('\n')
      .find((row) => row.startsWith(`${name} `) || row.startsWith(`${name}{`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('delivers every feed event once, signed and digested, with exactly the contract body', async () => {
    const prescription = rx('all-types');
    const emitted: DomainEvent[] = [];
    for (const [step, type] of FEED_EVENT_TYPES.entries()) {
      emitted.push(await t.emitFeedEvent(type, prescription, step + 1));
    }
    // Not a feed type: recorded in the outbox, never sent.
    await t.emitFeedEvent('prescription-released' as FeedEventType, prescription, 9);
    await t.drained();
    expect(t.epms.received().outcomes).toMatchObject({ applied: 5, invalid: 0 });
    expect(t.epms.ledger.of(prescription)).toEqual(
      emitted.map((event, step) => ({
        id: event.id,
        type: event.type,
        prescriptionId: prescription,
        occurredAt: event.occurredAt,
        resource: feedPayload(event.type as FeedEventType, prescription, step + 1).resource,
      })),
    );
    const last = t.epms.lastRequest!;
    expect(last.url).toBe(`${t.epms.url}/events`);
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['idempotency-key']).toBe(emitted[4]!.id);
    expect(last.headers['content-digest']).toMatch(/^sha-256=:[A-Za-z0-9+/]{43}=:$/);
    const keyid = (await t.app.pathways.app.inject({ method: 'GET', url: '/pki/feed.pem' })).headers[
      'feed-key-id'
    ];
    expect(last.headers['signature-input']).toMatch(
      new RegExp(
        `^sig1=\\("@method" "@target-uri" "content-digest" "content-type"\\);created=\\d+;keyid="${keyid}";alg="ecdsa-p256-sha256"$`,
      ),
    );
    expect(last.headers.signature).toMatch(/^sig1=:[A-Za-z0-9+/]{86}==:$/);
  });

  it('the fake refuses a request whose body was altered after signing (400, nothing booked)', async () => {
    const prescription = rx('tamper');
    await t.emitFeedEvent('claim', prescription);
    await t.drained();
    const { url, headers } = t.epms.lastRequest!;
    const original = t.epms.ledger.of(prescription)[0]!;
    t.epms.reset();
    const altered = JSON.stringify({ ...original, prescriptionId: 'SOMEONE-ELSE' });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        ...(headers as Record<string, string>),
        'content-length': String(Buffer.byteLength(altered)),
      },
      body: altered,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'INVALID_DIGEST' });
    expect(t.epms.received().applied).toEqual([]);
  });

  it('while the ePMS refuses connections, writes still commit and the backlog grows; after recovery all arrive in order', async () => {
    await t.epms.refuseConnections();
    const prescriptions = [rx('down-a'), rx('down-b'), rx('down-c')];
    const emitted = new Map<string, string[]>(prescriptions.map((id) => [id, []]));
    for (let step = 1; step <= 3; step++) {
      for (const prescription of prescriptions) {
        const event = await t.emitFeedEvent('dispense-notification', prescription, step);
        emitted.get(prescription)!.push(event.id);
      }
    }
    const stored = await t.app.pathways.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox_event WHERE key = ANY($1)',
      [prescriptions],
    );
    expect(Number(stored.rows[0]?.n)).toBe(9);
    const first = emitted.get(prescriptions[0]!)![0]!;
    await waitFor(async () => ((await t.delivery(first))?.attempts ?? 0) >= 2, 'failed attempts while down');
    expect((await t.delivery(first))?.last_error).toBe('Error: ePMS unreachable: ECONNREFUSED');
    await waitFor(async () => (await backlog()) === 9, 'all 9 events in the backlog');
    await waitFor(async () => (await metric('pathways_feed_backlog')) === 9, 'the backlog gauge to show 9');
    expect(await metric('pathways_feed_failed_attempts_total{reason="refused"}')).toBeGreaterThanOrEqual(2);
    expect(t.epms.received().requests).toBe(0);

    const deliveredBefore = await metric('pathways_feed_delivered_total');
    await t.epms.acceptConnections();
    await t.drained();
    for (const prescription of prescriptions)
      expect(applied(prescription)).toEqual(emitted.get(prescription));
    expect(await backlog()).toBe(0);
    // Gauges are read from the outbox on scrape (shared for a moment between the gauges of a scrape).
    await waitFor(async () => (await metric('pathways_feed_backlog')) === 0, 'the backlog gauge to fall');
    expect(await metric('pathways_feed_delivered_total')).toBe(deliveredBefore + 9);
  });

  it('writes complete while every delivery attempt hangs; the timed-out attempts are retried', async () => {
    t.epms.behave({ behaviour: 'hang' });
    const firstPrescription = rx('hang');
    const first = await t.emitFeedEvent('prescription-order', firstPrescription);
    await waitFor(() => t.epms.hanging >= 1, 'a delivery attempt to hang');
    const emitted = [first];
    for (let i = 0; i < 12; i++) {
      emitted.push(await t.emitFeedEvent('prescription-order', rx('hang')));
      // Each write committed while every attempt the ePMS had seen was hanging, none answered.
      const { requests, outcomes, applied: booked } = t.epms.received();
      expect(outcomes.hung).toBe(requests);
      expect(booked).toEqual([]);
    }
    await waitFor(async () => ((await t.delivery(first.id))?.attempts ?? 0) >= 1, 'a timed-out attempt');
    expect((await t.delivery(first.id))?.last_error).toMatch(/timed out/);
    expect(await metric('pathways_feed_failed_attempts_total{reason="timeout"}')).toBeGreaterThanOrEqual(1);

    t.epms.behave({ behaviour: 'normal' });
    await t.drained();
    for (const event of emitted) expect(applied(event.key)).toEqual([event.id]);
  });

  it('retries 503 answers until the ePMS accepts', async () => {
    t.epms.behave({ behaviour: 'unavailable', times: 2 });
    const event = await t.emitFeedEvent('claim', rx('503'));
    await t.drained();
    expect(applied(event.key)).toEqual([event.id]);
    expect(await t.delivery(event.id)).toMatchObject({ state: 'done', attempts: 2 });
    expect(t.epms.received().outcomes).toMatchObject({ unavailable: 2, applied: 1 });
  });

  it('dead-letters a 400, lets the prescription go on, shows it to the operator and re-drives it', async () => {
    const prescription = rx('dead');
    const deadBefore = await metric('pathways_feed_dead_letter_total');
    // The ePMS refuses this prescription's next event once, then is "fixed".
    t.epms.behave({ behaviour: 'reject', prescriptionId: prescription, times: 1 });
    const refused = await t.emitFeedEvent('dispense-notification', prescription, 1);
    await waitFor(async () => (await t.delivery(refused.id))?.state === 'dead', 'the dead letter');
    const next = await t.emitFeedEvent('claim', prescription, 2);
    await t.drained();
    expect(applied(prescription)).toEqual([next.id]);
    expect(await metric('pathways_feed_dead_letter_total')).toBe(deadBefore + 1);
    await waitFor(async () => (await metric('pathways_feed_dead_letters')) >= 1, 'the dead-letter gauge');

    const admin = await t.app.bearer({ roles: ['admin'] });
    const view = await t.app.pathways.app.inject({
      method: 'GET',
      url: '/admin/feed',
      headers: { authorization: admin },
    });
    expect(view.statusCode).toBe(200);
    const body = view.json();
    expect(body).toMatchObject({
      enabled: true,
      endpoint: `${t.epms.url}/events`,
      backlog: 0,
      oldestAgeS: null,
    });
    expect(body.deadLetters).toContainEqual({
      eventId: refused.id,
      type: 'dispense-notification',
      prescriptionId: prescription,
      occurredAt: refused.occurredAt,
      attempts: 1,
      lastError: 'PermanentFailure: ePMS answered 400 REJECTED',
    });

    const retry = (eventId: string) =>
      t.app.pathways.app.inject({
        method: 'POST',
        url: `/admin/feed/${eventId}/retry`,
        headers: { authorization: admin },
      });
    const redriven = await retry(refused.id);
    expect(redriven.statusCode).toBe(202);
    expect(redriven.json()).toEqual({ eventId: refused.id, state: 'pending' });
    // Re-sending clinical content is audited, against the event's patient.
    const audited = await t.app.pathways.db.query<{ patient: string; content: string }>(
      'SELECT patient, content FROM audit_event WHERE content LIKE $1',
      [`%${refused.id}%`],
    );
    expect(audited.rows).toHaveLength(1);
    expect(audited.rows[0]?.patient).toBe('Patient/feed-test-patient');
    await t.drained();
    // Re-driven after the later event had gone: the ePMS gets it last.
    expect(applied(prescription)).toEqual([next.id, refused.id]);
    const after = (
      await t.app.pathways.app.inject({
        method: 'GET',
        url: '/admin/feed',
        headers: { authorization: admin },
      })
    ).json();
    expect(after.deadLetters.map((letter: { eventId: string }) => letter.eventId)).not.toContain(refused.id);

    expect((await retry(refused.id)).statusCode).toBe(409);
    expect((await retry('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const malformed = await retry('not-an-id');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().issue[0].details.coding[0].code).toBe('INVALID_VALUE');
  });

  it('keeps each prescription in order while its first attempts fail, without holding up the others', async () => {
    const slow = rx('order-slow');
    const quick = rx('order-quick');
    // The ePMS answers 503 for this prescription until told otherwise.
    t.epms.behave({ behaviour: 'unavailable', prescriptionId: slow });
    const slowEvents: DomainEvent[] = [];
    const quickEvents: DomainEvent[] = [];
    for (const [step, type] of (
      ['prescription-order', 'dispense-notification', 'claim'] as const
    ).entries()) {
      slowEvents.push(await t.emitFeedEvent(type, slow, step + 1));
      quickEvents.push(await t.emitFeedEvent(type, quick, step + 1));
    }
    await waitFor(() => applied(quick).length === 3, "the other prescription's events");
    expect(applied(quick)).toEqual(quickEvents.map((event) => event.id));
    // The failing prescription's first event keeps failing, and nothing of it overtook it.
    await waitFor(async () => ((await t.delivery(slowEvents[0]!.id))?.attempts ?? 0) >= 2, 'failed attempts');
    expect(await t.delivery(slowEvents[0]!.id)).toMatchObject({ state: 'pending' });
    expect(await t.delivery(slowEvents[1]!.id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(applied(slow)).toEqual([]);
    t.epms.behave({ behaviour: 'normal', prescriptionId: slow });
    await t.drained();
    expect(applied(slow)).toEqual(slowEvents.map((event) => event.id));
    expect(await t.delivery(slowEvents[0]!.id)).toMatchObject({ state: 'done' });
  });

  it('a delivery whose answer is lost is sent again: the ePMS counts a duplicate and applies it once', async () => {
    t.epms.behave({ behaviour: 'drop-after-apply', times: 1 });
    const event = await t.emitFeedEvent('dispense-withdraw', rx('dup'));
    await t.drained();
    expect(applied(event.key)).toEqual([event.id]);
    expect(t.epms.received()).toMatchObject({
      duplicates: 1,
      outcomes: { dropped: 1, duplicate: 1, applied: 0 },
    });
    expect(await t.delivery(event.id)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('serves the public key at /pki/feed.pem to anyone, named by its RFC 7638 thumbprint', async () => {
    const response = await t.app.pathways.app.inject({ method: 'GET', url: '/pki/feed.pem' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-pem-file/);
    expect(response.body).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const key = parseFeedPublicKey(response.body);
    expect(await keyIdOf(key)).toBe(response.headers['feed-key-id']);
    expect(response.headers.etag).toBe(`"${response.headers['feed-key-id']}"`);
  });

  it('lets only administrators see the feed and re-drive dead letters', async () => {
    const prescription = rx('roles');
    t.epms.behave({ behaviour: 'reject', prescriptionId: prescription });
    const dead = await t.emitFeedEvent('claim', prescription);
    await waitFor(async () => (await t.delivery(dead.id))?.state === 'dead', 'the dead letter');
    const callers: { roles: Role[]; org?: string; fhirUser?: string }[] = [
      { roles: ['dispenser'], org: 'FA565', fhirUser: 'Practitioner/dispenser-1' },
      { roles: ['service-desk'] },
      { roles: ['patient'], fhirUser: 'Patient/feed-test-patient' },
      { roles: ['prescriber'], org: 'A83008', fhirUser: 'Practitioner/prescriber-1' },
      { roles: ['clinician'], org: 'RX1', fhirUser: 'Practitioner/clinician-1' },
      { roles: ['registrar'] },
    ];
    for (const caller of callers) {
      const authorization = await t.app.bearer(caller);
      const view = await t.app.pathways.app.inject({
        method: 'GET',
        url: '/admin/feed',
        headers: { authorization },
      });
      expect(view.statusCode, caller.roles[0]).toBe(403);
      expect(view.json().issue[0].details.coding[0].code).toBe('FORBIDDEN');
      const retry = await t.app.pathways.app.inject({
        method: 'POST',
        url: `/admin/feed/${dead.id}/retry`,
        headers: { authorization },
      });
      expect(retry.statusCode, caller.roles[0]).toBe(403);
    }
    for (const request of [
      { method: 'GET' as const, url: '/admin/feed' },
      { method: 'POST' as const, url: `/admin/feed/${dead.id}/retry` },
    ]) {
      const anonymous = await t.app.pathways.app.inject(request);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    // Nothing was re-driven by the refused calls.
    expect(await t.delivery(dead.id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect(t.epms.received().requests).toBe(1);
  });
});
