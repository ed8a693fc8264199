import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveWorkers } from './config.js';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      dataDir: path.resolve('./data'),
      mllpPort: 2575,
      natsUrl: undefined,
      epmsUrl: undefined,
      notify: undefined,
      stepUpMaxAgeS: 900,
      demo: false,
      dbStatementTimeoutMs: 5000,
    });
  });

  it('reads DB_STATEMENT_TIMEOUT_MS, 0 turning the timeout off', () => {
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '250' }).dbStatementTimeoutMs).toBe(250);
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' }).dbStatementTimeoutMs).toBe(0);
  });

  it('sizes the background pool from DB_POOL_SIZE unless DB_BACKGROUND_POOL_SIZE says otherwise', () => {
    expect(loadConfig({}).dbBackgroundPoolSize).toBe(5);
    expect(loadConfig({ DB_POOL_SIZE: '4' }).dbBackgroundPoolSize).toBe(2);
    expect(loadConfig({ DB_POOL_SIZE: '30' }).dbBackgroundPoolSize).toBe(8);
    expect(loadConfig({ DB_BACKGROUND_POOL_SIZE: '3' }).dbBackgroundPoolSize).toBe(3);
  });

  it('derives PUBLIC_URL from PORT and trims a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://rx.example.org/' }).publicUrl).toBe('https://rx.example.org');
  });

  it('reads every contract variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/p',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      EPMS_URL: 'https://epms.example/api',
      NOTIFY_BASE_URL: 'http://127.0.0.1:9999',
      NOTIFY_API_KEY: 'key',
      STEP_UP_MAX_AGE_S: '300',
      PATHWAYS_DEMO: '1',
      MLLP_PORT: '0',
    });
    expect(config.databaseUrl).toBe('postgres://u@db:5432/p');
    expect(config.natsUrl).toBe('nats://a:4222,nats://b:4222');
    expect(config.notify).toEqual({ baseUrl: 'http://127.0.0.1:9999', apiKey: 'key' });
    expect(config.stepUpMaxAgeS).toBe(300);
    expect(config.demo).toBe(true);
    expect(config.mllpPort).toBe(0);
  });

  it('serves metrics on their own listener: a port (0 = off) and a bind address', () => {
    expect(loadConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' })).toMatchObject({
      metricsPort: 9100,
      metricsHost: '0.0.0.0',
    });
    expect(loadConfig({ METRICS_HOST: '::' }).metricsHost).toBe('::');
    expect(loadConfig({ METRICS_HOST: 'pod-1.metrics.svc' }).metricsHost).toBe('pod-1.metrics.svc');
    // PORT 0 (any free port) never collides with a fixed metrics port.
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://u@db1:5432,db2:5432/p?target_session_attrs=read-write' }],
    ['NATS_URL', { NATS_URL: 'http://x:4222' }],
    ['EPMS_URL', { EPMS_URL: 'ftp://x' }],
    ['NOTIFY_API_KEY', { NOTIFY_BASE_URL: 'http://x' }],
    ['STEP_UP_MAX_AGE_S', { STEP_UP_MAX_AGE_S: '0' }],
    ['PATHWAYS_DEMO', { PATHWAYS_DEMO: 'maybe' }],
    ['MLLP_PORT', { MLLP_PORT: '-1' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['METRICS_PORT', { METRICS_PORT: 'abc' }],
    ['METRICS_PORT', { METRICS_PORT: '65536' }],
    ['METRICS_PORT', { PORT: '8080', METRICS_PORT: '8080' }],
    ['METRICS_PORT', { METRICS_PORT: '3000' }],
    ['METRICS_HOST', { METRICS_HOST: 'not a host' }],
    ['METRICS_HOST', { METRICS_HOST: 'http://0.0.0.0' }],
    ['DB_STATEMENT_TIMEOUT_MS', { DB_STATEMENT_TIMEOUT_MS: '5s' }],
    ['DB_STATEMENT_TIMEOUT_MS', { DB_STATEMENT_TIMEOUT_MS: '-1' }],
    ['DB_STATEMENT_TIMEOUT_MS', { DB_STATEMENT_TIMEOUT_MS: '600001' }],
    ['DB_BACKGROUND_POOL_SIZE', { DB_BACKGROUND_POOL_SIZE: '1' }],
    ['DB_BACKGROUND_POOL_SIZE', { DB_BACKGROUND_POOL_SIZE: 'few' }],
    ['DB_BACKGROUND_POOL_SIZE', { DB_BACKGROUND_POOL_SIZE: '501' }],
    ['WORKERS', { WORKERS: '0' }],
    ['WORKERS', { WORKERS: 'two' }],
    ['WORKERS', { WORKERS: '-2' }],
    ['WORKERS', { WORKERS: '257', DATABASE_URL: 'postgres://db/pathways' }],
  ])('refuses a bad %s with an error naming it', (variable, env) => {
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message.startsWith(`${variable}:`)).toBe(true);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('resolveWorkers', () => {
  const POSTGRES = 'postgres://db/pathways';

  it('runs one worker per core on a PostgreSQL server unless WORKERS says otherwise', () => {
    expect(resolveWorkers({}, POSTGRES, 4)).toEqual({ workers: 4, notice: undefined });
    expect(resolveWorkers({ WORKERS: '2' }, POSTGRES, 4)).toEqual({ workers: 2, notice: undefined });
    expect(resolveWorkers({ WORKERS: '1' }, POSTGRES, 4)).toEqual({ workers: 1, notice: undefined });
    expect(resolveWorkers({ WORKERS: '8' }, POSTGRES, 2)).toEqual({ workers: 8, notice: undefined });
  });

  it('runs one worker on the embedded PGlite database, saying so in one line when more were asked', () => {
    expect(resolveWorkers({}, undefined, 4)).toEqual({ workers: 1, notice: undefined });
    expect(resolveWorkers({ WORKERS: '1' }, undefined, 4)).toEqual({ workers: 1, notice: undefined });
    const capped = resolveWorkers({ WORKERS: '3' }, undefined, 4);
    expect(capped.workers).toBe(1);
    expect(capped.notice).toMatch(/^WORKERS=3 ignored: .*PGlite.*DATABASE_URL/);
    expect(capped.notice).not.toContain('\n');
  });

  it('is part of the loaded configuration', () => {
    expect(loadConfig({ WORKERS: '3', DATABASE_URL: POSTGRES }).workers).toBe(3);
    const embedded = loadConfig({ WORKERS: '3' });
    expect(embedded.workers).toBe(1);
    expect(embedded.workersNotice).toContain('WORKERS=3 ignored');
  });
});
