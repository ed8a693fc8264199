import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';

describe('HTTP shell', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { RATE_LIMIT_PER_MINUTE: '40' });
  });
  afterAll(() => t.close());

  it('sets security headers and echoes a sane request id', async () => {
    const response = await t.pathways.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('abc-123');
    expect(response.headers['strict-transport-security']).toContain('max-age=');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const bogus = await t.pathways.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\u0000' },
    });
    expect(bogus.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is ready when the database answers and migrations are applied', async () => {
    const ready = await t.pathways.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    await t.pathways.db.query("DELETE FROM schema_migration WHERE id = '0001_fhir_store'");
    const notReady = await t.pathways.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().problems).toContain('migrations not applied');
    await t.pathways.db.query("INSERT INTO schema_migration (id) VALUES ('0001_fhir_store')");
  });

  it('exposes request durations by route pattern, pool and queue metrics', async () => {
    await t.pathways.app.inject({
      method: 'GET',
      url: '/fhir/R4/Organization/does-not-exist',
      headers: { authorization: await t.bearer({ roles: ['admin'] }) },
    });
    const metrics = await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(
      /pathways_http_request_duration_seconds_count\{route="\/fhir\/R4\/:type\/:id",method="GET",status="404"\} 1/,
    );
    expect(metrics.body).toContain('pathways_db_pool_connections{pool="embedded",state="total"}');
    expect(metrics.body).toMatch(/pathways_job_queue_depth/);
  });

  it('serves /metrics openly on the metrics listener and only to an admin token on the public one', async () => {
    const publicMetrics = await t.pathways.app.inject({ method: 'GET', url: '/metrics' });
    expect(publicMetrics.statusCode).toBe(401);
    expect(publicMetrics.body).not.toContain('pathways_');
    const asDispenser = await t.pathways.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: await t.bearer({ roles: ['dispenser'], org: 'FA565' }) },
    });
    expect(asDispenser.statusCode).toBe(403);
    expect(asDispenser.body).not.toContain('pathways_');
    const asAdmin = await t.pathways.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: await t.bearer({ roles: ['admin'] }) },
    });
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.headers['content-type']).toContain('text/plain');
    expect(asAdmin.headers['cache-control']).toContain('no-store');
    expect(asAdmin.body).toContain('pathways_http_request_duration_seconds');
    const scraped = await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    expect((await t.pathways.metricsApp.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(404);
    // Load balancers keep their probes on the public listener.
    expect((await t.pathways.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.pathways.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('answers 429 RATE_LIMITED as an OperationOutcome past the limit', async () => {
    let last = 0;
    let body = '';
    for (let i = 0; i < 45; i++) {
      const response = await t.pathways.app.inject({ method: 'GET', url: '/fhir/R4/metadata' });
      last = response.statusCode;
      body = response.body;
      if (last === 429) break;
    }
    expect(last).toBe(429);
    expect(body).toContain('RATE_LIMITED');
  });
});

describe('load shedding', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { MAX_EVENT_LOOP_DELAY_MS: '50' });
  });
  afterAll(() => t.close());

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After while the event loop is blocked', async () => {
    let shed: { statusCode: number; headers: Record<string, unknown>; body: string } | undefined;
    for (let attempt = 0; attempt < 20 && !shed; attempt++) {
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // busy: the event loop cannot turn
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      const response = await t.pathways.app.inject({ method: 'GET', url: '/fhir/R4/metadata' });
      if (response.statusCode === 503) shed = response;
    }
    expect(shed?.statusCode).toBe(503);
    expect(shed?.headers['retry-after']).toBeDefined();
    expect(shed?.body).toContain('SERVICE_UNAVAILABLE');
  });
});
