/** Without EPMS_URL the feed is off: events are still recorded, nothing is sent, the key is served. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { feedPayload } from '../../test/support/feed/app.js';
import { emit } from '../platform/outbox/outbox.js';
import { FEED_CONSUMER } from './consumer.js';
import { keyIdOf, parseFeedPublicKey } from './feed-key.js';

describe.each(databaseKinds)('the ePMS feed without EPMS_URL, on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  it('records the events, creates no feed deliveries, and says so to the operator', async () => {
    const event = await t.pathways.db.transaction((tx) =>
      emit(tx, {
        type: 'claim',
        key: `test.${kind}-off-1`,
        payload: feedPayload('claim', `test.${kind}-off-1`, 1),
      }),
    );
    await t.pathways.outbox.dispatchNow();
    const stored = await t.pathways.db.query('SELECT 1 FROM outbox_event WHERE id = $1', [event.id]);
    expect(stored.rowCount).toBe(1);
    const deliveries = await t.pathways.db.query('SELECT 1 FROM outbox_delivery WHERE consumer = $1', [
      FEED_CONSUMER,
    ]);
    expect(deliveries.rowCount).toBe(0);

    const authorization = await t.bearer({ roles: ['admin'] });
    const view = await t.pathways.app.inject({
      method: 'GET',
      url: '/admin/feed',
      headers: { authorization },
    });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toEqual({
      enabled: false,
      endpoint: null,
      backlog: 0,
      oldestAgeS: null,
      deadLetterCount: 0,
      deadLetters: [],
    });
    const retry = await t.pathways.app.inject({
      method: 'POST',
      url: `/admin/feed/${event.id}/retry`,
      headers: { authorization },
    });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().issue[0].details.coding[0].code).toBe('CONFLICT');
  });

  it('still serves the feed key, so the ePMS can be set up before the feed is switched on', async () => {
    const response = await t.pathways.app.inject({ method: 'GET', url: '/pki/feed.pem' });
    expect(response.statusCode).toBe(200);
    expect(await keyIdOf(parseFeedPublicKey(response.body))).toBe(response.headers['feed-key-id']);
  });

  it('reports a zero feed backlog in /metrics', async () => {
    const metrics = await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^pathways_feed_backlog 0$/m);
    expect(metrics.body).toMatch(/^pathways_feed_delivered_total 0$/m);
    expect(metrics.body).toMatch(/^pathways_feed_dead_letter_total 0$/m);
  });

  it('answers a malformed limit on the operator view with a clear OperationOutcome', async () => {
    const authorization = await t.bearer({ roles: ['admin'] });
    for (const limit of ['0', '1001', 'ten', '-1']) {
      const view = await t.pathways.app.inject({
        method: 'GET',
        url: `/admin/feed?limit=${limit}`,
        headers: { authorization },
      });
      expect(view.statusCode, limit).toBe(400);
      expect(view.json().issue[0].details.coding[0].code).toBe('INVALID_VALUE');
    }
  });
});
