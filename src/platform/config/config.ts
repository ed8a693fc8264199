/**
 * Configuration from the environment (docs/api.md §1), validated once at start.
 * A bad value throws ConfigError naming the variable; the CLI prints that one line and exits.
 */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseTrustedIssuers, type TrustedIssuerConfig } from '../auth/trusted-issuers.js';
import { defaultBackgroundPoolSize } from '../database/pool-size.js';

export interface Config {
  port: number;
  host: string;
  /**
   * The Prometheus `/metrics` listener: its own port (0 = off), never the public one, bound to
   * `metricsHost` (loopback unless an operator opens it to the scraper's network).
   */
  metricsPort: number;
  metricsHost: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  mllpPort: number;
  natsUrl: string | undefined;
  /** NATS_STREAM_REPLICAS: copies of each event in a JetStream cluster (set when the stream is created). */
  natsStreamReplicas: number;
  epmsUrl: string | undefined;
  notify: { baseUrl: string; apiKey: string } | undefined;
  stepUpMaxAgeS: number;
  demo: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Requests per minute per client IP before 429 RATE_LIMITED. */
  rateLimitPerMinute: number;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number;
  /** Connections for HTTP requests' statements (PostgreSQL server only). */
  dbPoolSize: number;
  /** Connections for background work: jobs, outbox, audit flush (PostgreSQL server only). */
  dbBackgroundPoolSize: number;
  /** Statement timeout of HTTP requests' queries in ms (PostgreSQL server only); 0 = none. */
  dbStatementTimeoutMs: number;
  /** Seconds allowed for draining on SIGTERM before the process exits anyway. */
  shutdownGraceS: number;
  /** Event-loop delay (ms) past which requests are shed with 503; 0 turns shedding off. */
  maxEventLoopDelayMs: number;
  /** External identity providers whose tokens are accepted (validated JSON, see platform/auth). */
  trustedIssuers: TrustedIssuerConfig[];
  /** HTTP server processes (node:cluster); 1 = no cluster, the process serves by itself. */
  workers: number;
  /** One line for the log when WORKERS asked for more than the database allows. */
  workersNotice: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Capabilities read their own settings with these same helpers (settings.ts in their folder). */
export type Env = Record<string, string | undefined>;

export function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.join(' or ')}), got an unparsable value`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw.replace(/\/+$/, '');
}

export function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be 1 or 0, got "${raw}"`);
}

function trusted(env: Env, publicUrl: string): TrustedIssuerConfig[] {
  try {
    return parseTrustedIssuers(text(env, 'TRUSTED_ISSUERS'), publicUrl);
  } catch (error) {
    throw new ConfigError('TRUSTED_ISSUERS', (error as Error).message);
  }
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IP address (v4 or v6) or a DNS host name to bind a listener to. */
export function bindAddress(env: Env, name: string, fallback: string): string {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (isIP(raw) === 0 && !HOST_NAME.test(raw)) {
    throw new ConfigError(name, `must be an IP address or a host name, got "${raw}"`);
  }
  return raw;
}

/** METRICS_PORT: default 9464 (the usual Prometheus exporter port), 0 = off, never PORT. */
function metricsPort(env: Env, port: number): number {
  const value = integer(env, 'METRICS_PORT', 9464, 0, 65535);
  if (value !== 0 && value === port) {
    throw new ConfigError(
      'METRICS_PORT',
      `must differ from PORT (${port}): metrics are served on their own listener, off the public one`,
    );
  }
  return value;
}

/**
 * WORKERS: default one per core on a PostgreSQL server; always 1 on the embedded PGlite database,
 * which a single process owns (its data folder cannot be opened twice).
 */
export function resolveWorkers(
  env: Env,
  databaseUrl: string | undefined,
  cores: number = availableParallelism(),
): { workers: number; notice: string | undefined } {
  const requested = integer(env, 'WORKERS', databaseUrl ? cores : 1, 1, 256);
  if (databaseUrl === undefined && requested > 1) {
    return {
      workers: 1,
      notice: `WORKERS=${requested} ignored: the embedded PGlite database is owned by one process, so 1 worker runs (set DATABASE_URL for more)`,
    };
  }
  return { workers: requested, notice: undefined };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = text(env, 'HOST') ?? '127.0.0.1';
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  if (/^postgres(ql)?:\/\/[^/?]*,/.test(text(env, 'DATABASE_URL') ?? '')) {
    // libpq's `h1,h2?target_session_attrs=read-write` is not understood by node-postgres.
    throw new ConfigError(
      'DATABASE_URL',
      'names several hosts, which the driver cannot fail over between: give one endpoint that always reaches the primary (see docs/deployment.md)',
    );
  }
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const notifyBaseUrl = url(env, 'NOTIFY_BASE_URL', ['http:', 'https:']);
  const notifyApiKey = text(env, 'NOTIFY_API_KEY');
  if ((notifyBaseUrl === undefined) !== (notifyApiKey === undefined)) {
    const missing = notifyBaseUrl === undefined ? 'NOTIFY_BASE_URL' : 'NOTIFY_API_KEY';
    throw new ConfigError(missing, 'NOTIFY_BASE_URL and NOTIFY_API_KEY must be set together');
  }
  const natsUrl = text(env, 'NATS_URL');
  if (natsUrl !== undefined) {
    for (const server of natsUrl.split(',')) url({ NATS_URL: server }, 'NATS_URL', ['nats:', 'tls:']);
  }
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const workers = resolveWorkers(env, databaseUrl);
  const dbPoolSize = integer(env, 'DB_POOL_SIZE', 20, 1, 500);
  return {
    port,
    host,
    metricsPort: metricsPort(env, port),
    metricsHost: bindAddress(env, 'METRICS_HOST', '127.0.0.1'),
    publicUrl,
    databaseUrl,
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
    mllpPort: integer(env, 'MLLP_PORT', 2575, 0, 65535),
    natsUrl,
    natsStreamReplicas: integer(env, 'NATS_STREAM_REPLICAS', 1, 1, 5),
    epmsUrl: url(env, 'EPMS_URL', ['http:', 'https:']),
    notify: notifyBaseUrl && notifyApiKey ? { baseUrl: notifyBaseUrl, apiKey: notifyApiKey } : undefined,
    stepUpMaxAgeS: integer(env, 'STEP_UP_MAX_AGE_S', 900, 1, 86_400),
    demo: flag(env, 'PATHWAYS_DEMO', false),
    logLevel,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60_000, 1, 10_000_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    dbPoolSize,
    // At least 2: one long job or flush must not leave the outbox and the audit trail waiting.
    dbBackgroundPoolSize: integer(
      env,
      'DB_BACKGROUND_POOL_SIZE',
      defaultBackgroundPoolSize(dbPoolSize),
      2,
      500,
    ),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 5_000, 0, 600_000),
    shutdownGraceS: integer(env, 'SHUTDOWN_GRACE_S', 8, 1, 9),
    maxEventLoopDelayMs: integer(env, 'MAX_EVENT_LOOP_DELAY_MS', 1_000, 0, 60_000),
    trustedIssuers: trusted(env, publicUrl),
    workers: workers.workers,
    workersNotice: workers.notice,
  };
}
