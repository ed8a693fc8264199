/**
 * The composition root: opens the database, applies migrations, starts the audit trail, the
 * outbox and the HTTP server, and registers each capability. `stop()` drains in reverse order.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { CAPABILITIES } from './capabilities.js';
import { seedDemo } from './demo/seed.js';
import { type DemoUser, seedDemoUsers } from './demo/users.js';
import { createIdentity, type Identity } from './identity/identity.js';
import { deriveAuditKeys } from './platform/audit/audit-keys.js';
import { defaultCheckpointFile } from './platform/audit/checkpoint.js';
import { auditRoutes } from './platform/audit/routes.js';
import { AuditTrail } from './platform/audit/trail.js';
import { protect } from './platform/auth/fastify.js';
import { enforceSmartScopes } from './platform/auth/smart-enforcement.js';
import type { TokenVerifier } from './platform/auth/verify.js';
import { type Capability, type PlatformContext, ServiceRegistry } from './platform/capability.js';
import type { Config } from './platform/config/config.js';
import { loadSecretKey } from './platform/crypto/secret-box.js';
import { type Database, openDatabase } from './platform/database/database.js';
import { LOCKS } from './platform/database/locks.js';
import { migrate, migrationsCurrent } from './platform/database/migrate.js';
import { CapabilityRegistry } from './platform/fhir/capability.js';
import { StaffReads } from './platform/fhir/read-access/staff-reads.js';
import { ResourceRules } from './platform/fhir/resource-rules.js';
import { fhirApi } from './platform/fhir/routes/index.js';
import { backfillPatientCompartment } from './platform/fhir/search/compartment-backfill.js';
import { loadValidationDefinitions } from './platform/fhir/validation/index.js';
import { createMetricsServer, publicMetricsRoute } from './platform/http/metrics.js';
import { createHttpServer } from './platform/http/server.js';
import type { Logger } from './platform/logging/logger.js';
import { createMetricsRegistry, type Registry } from './platform/metrics/metrics.js';
import { createNatsPublisher } from './platform/outbox/nats.js';
import { Outbox } from './platform/outbox/outbox.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface Pathways {
  /** The public listener: API, portal, sign-in, health. */
  app: FastifyInstance;
  /** `GET /metrics` alone, for the METRICS_PORT listener (the CLI listens; tests inject). */
  metricsApp: FastifyInstance;
  /** This process's Prometheus registry (a cluster's primary aggregates the workers' ones). */
  metrics: Registry;
  db: Database;
  outbox: Outbox;
  audit: AuditTrail;
  identity: Identity;
  /** Demo accounts with their credentials (PATHWAYS_DEMO only). */
  demoUsers: DemoUser[];
  /** What each capability's demo seeding wants the banner to print (PATHWAYS_DEMO only). */
  demoLines: string[];
  /** Services the capabilities provide to each other (and to tests). */
  services: ServiceRegistry;
  /** Opens the capabilities' own listeners (MLLP); `serve` calls it after the HTTP listener. */
  listen(): Promise<void>;
  /** Stops accepting, drains requests and jobs, flushes the audit trail, closes the database. */
  stop(): Promise<void>;
}

export interface BuildOptions {
  /** Wraps the database every part of the service uses (the statement-count tests count through it). */
  wrapDatabase?: (db: Database) => Database;
  /** Wraps the token verifier every authenticated route uses (the bench's auth suite times it away). */
  wrapTokenVerifier?: (verifier: TokenVerifier) => TokenVerifier;
}

export async function buildPathways(
  config: Config,
  log: Logger,
  env: Record<string, string | undefined> = process.env,
  options: BuildOptions = {},
): Promise<Pathways> {
  const opened = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    backgroundPoolSize: config.dbBackgroundPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  const db = options.wrapDatabase ? options.wrapDatabase(opened) : opened;
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  const backfilled = await backfillPatientCompartment(db);
  if (backfilled > 0) log.info({ backfilled }, 'patient compartment index written for older resources');
  loadValidationDefinitions();

  const metrics = createMetricsRegistry();
  const metricsApp = createMetricsServer(metrics, log);
  // Keyed by the service secret key (the same one identity loads), never stored in the database.
  const audit = new AuditTrail({
    db,
    log,
    metrics,
    keys: deriveAuditKeys(loadSecretKey({ dataDir: config.dataDir, env })),
    checkpointFile: defaultCheckpointFile(config.dataDir),
  });
  const outbox = new Outbox({ db, log, metrics });
  if (config.natsUrl) {
    outbox.register(
      createNatsPublisher({ url: config.natsUrl, log, streamReplicas: config.natsStreamReplicas }),
    );
  }

  const baseUrl = `${config.publicUrl}/fhir/R4`;
  const capabilities = new CapabilityRegistry();
  const resourceRules = new ResourceRules();
  const app = await createHttpServer({
    version: VERSION,
    config,
    log,
    metrics,
    poolStats: () => db.poolStats(),
    readiness: {
      async check() {
        const problems: string[] = [];
        // On the probe connection, within 2 s: a pool busy with long requests is not an unreachable
        // database, and a standby (after a failover) is not a primary.
        await db.ping().catch(() => problems.push('database unreachable'));
        if (problems.length === 0 && !(await migrationsCurrent(db.probe).catch(() => false))) {
          problems.push('migrations not applied');
        }
        return [...problems, ...outbox.readinessProblems()];
      },
    },
  });
  // Identity is built before the capabilities and reaches their services (one-time codes) lazily.
  const services = new ServiceRegistry();
  const identity = await createIdentity({
    db,
    audit,
    metrics,
    log,
    config,
    env,
    services,
    wrapVerifier: options.wrapTokenVerifier,
    // Read when a request is served, once every capability has declared its types.
    reads: resourceRules,
  });
  await identity.register(app);
  const { access } = identity;
  enforceSmartScopes(app);
  // AuditEvent search: admin and service desk only; registered before the generic FHIR routes.
  await app.register(async (scope) => {
    protect(scope, access, { requireDeclaredPolicy: true });
    await scope.register(auditRoutes({ db }));
  });
  // Metrics on the public listener: for an administrator's token only (open on METRICS_PORT).
  await app.register(async (scope) => {
    protect(scope, access, { requireDeclaredPolicy: true });
    await scope.register(publicMetricsRoute(metrics));
  });
  const context: PlatformContext = {
    config,
    env,
    db,
    log,
    metrics,
    audit,
    outbox,
    access,
    capabilities,
    resourceRules,
    secretKey: identity.secretKey,
    fhirBaseUrl: baseUrl,
    services,
  };
  const built: Capability[] = [];
  for (const factory of CAPABILITIES) built.push(await factory(context));
  for (const capability of built) {
    if (capability.routes) await app.register(async (scope) => capability.routes!(scope));
  }
  await app.register(
    async (fhir) => {
      const staffReads = new StaffReads({ db, rules: resourceRules, audit, metrics });
      await fhirApi(fhir, {
        db,
        baseUrl,
        audit,
        access,
        staffReads,
        rules: resourceRules,
        capabilities,
        version: VERSION,
      });
      for (const capability of built) {
        if (capability.fhirRoutes) await fhir.register(async (scope) => capability.fhirRoutes!(scope));
      }
    },
    { prefix: '/fhir/R4' },
  );

  let demoUsers: DemoUser[] = [];
  const demoLines: string[] = [];
  if (config.demo) {
    // Seeding reads then writes: replicas starting together take turns, the later ones find it done.
    await db.exclusive(LOCKS.demo, async () => {
      const seeded = await seedDemo(db);
      if (seeded > 0) log.info({ seeded }, 'demo data seeded');
      demoUsers = await seedDemoUsers(db, identity.secretKey);
      for (const capability of built) {
        if (capability.seedDemo) demoLines.push(...(await capability.seedDemo()));
      }
    });
  }
  await outbox.start();

  let stopping: Promise<void> | undefined;
  const users = demoUsers;
  return {
    app,
    metricsApp,
    metrics,
    db,
    outbox,
    audit,
    identity,
    demoUsers: users,
    demoLines,
    services,
    async listen() {
      for (const capability of built) await capability.listen?.();
    },
    stop() {
      stopping ??= (async () => {
        await app.close();
        await metricsApp.close();
        for (const capability of [...built].reverse()) {
          await capability
            .stop?.()
            .catch((error: unknown) => log.warn({ err: error, capability: capability.name }, 'stop failed'));
        }
        await outbox.stop(config.shutdownGraceS * 500);
        await audit.close();
        await db.close();
      })();
      return stopping;
    },
  };
}
