/**
 * The contact routes and the `notification-preferences` service they depend on, on a server built
 * from the real parts (database, token verifier, access control, audit, HTTP shell) but without
 * the capabilities: first without the service (consent cannot be kept, so 503 and nothing stored;
 * contact details alone still change), then with one whose store fails (the contact change rolls
 * back with it).
 */
import type { Patient } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { TEST_AUDIT_KEYS } from '../../../test/support/platform/audit.js';
import { AUDIENCE, ISSUER, signToken, testKey } from '../../../test/support/platform/auth.js';
import {
  NOTIFICATION_PREFERENCES_SERVICE,
  type NotificationPreferencesService,
} from '../../notifications/index.js';
import { AuditTrail } from '../../platform/audit/trail.js';
import { createAccessControl } from '../../platform/auth/fastify.js';
import { createTokenVerifier } from '../../platform/auth/verify.js';
import { ServiceRegistry } from '../../platform/capability.js';
import { ResourceRules } from '../../platform/fhir/resource-rules.js';
import { createResource, readCurrent } from '../../platform/fhir/store/repository.js';
import { loadValidationDefinitions } from '../../platform/fhir/validation/index.js';
import { createHttpServer } from '../../platform/http/server.js';
import { createLogger } from '../../platform/logging/logger.js';
import { createMetricsRegistry } from '../../platform/metrics/metrics.js';
import { loadPortalSettings } from '../settings.js';
import { registerPreferenceRoutes } from './routes.js';

describe.each(databaseKinds)('contact preferences and the consent service on %s', (kind) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let audit: AuditTrail;
  let patientId: string;
  let authorization: string;
  let services: ServiceRegistry;
  const update = (...parameter: object[]) =>
    app.inject({
      method: 'POST',
      url: `/fhir/R4/Patient/${patientId}/$update-contact`,
      headers: { authorization, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Parameters', parameter },
    });
  const version = async () => (await readCurrent(database.db, 'Patient', patientId))?.versionId;

  beforeAll(async () => {
    loadValidationDefinitions();
    database = await createTestDatabase(kind);
    const log = createLogger({ level: 'silent' });
    const metrics = createMetricsRegistry();
    audit = new AuditTrail({ db: database.db, log, metrics, keys: TEST_AUDIT_KEYS });
    const key = await testKey('k1');
    const verifier = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      localJwks: () => ({ keys: [key.publicJwk] }),
    });
    const access = createAccessControl({
      verifier,
      audit,
      metrics,
      stepUpMaxAgeS: 900,
      reads: new ResourceRules(),
    });
    app = await createHttpServer({
      config: {
        bodyLimitBytes: 1_000_000,
        rateLimitPerMinute: 1_000_000,
        maxEventLoopDelayMs: 0,
        publicUrl: 'http://pathways.test',
      },
      log,
      metrics,
      readiness: { check: async () => [] },
      poolStats: () => database.db.poolStats(),
    });
    services = new ServiceRegistry();
    const deps = {
      db: database.db,
      audit,
      access,
      log,
      services,
      settings: loadPortalSettings({}),
      baseUrl: `${ISSUER}/fhir/R4`,
      now: () => new Date(),
    };
    await app.register(
      async (fhir) => {
        fhir.addHook('onRequest', access.authenticate);
        registerPreferenceRoutes(fhir, deps);
      },
      { prefix: '/fhir/R4' },
    );
    const patient: Patient = { resourceType: 'Patient', name: [{ family: 'Mine' }] };
    patientId = (await database.db.transaction((tx) => createResource(tx, patient))).id;
    const nowS = Math.floor(Date.now() / 1000);
    authorization = `Bearer ${await signToken(key, { roles: ['patient'], fhirUser: `Patient/${patientId}` }, { nowS })}`;
  });
  afterAll(async () => {
    await app?.close();
    await audit?.close();
    await database?.dispose();
  });

  it('answers 503 and stores nothing when consent is part of the change', async () => {
    const before = await version();
    const reply = await update(
      { name: 'mobile', valueString: '07700 900123' },
      { name: 'smsConsent', valueBoolean: true },
    );
    expect(reply.statusCode).toBe(503);
    expect(reply.json().issue[0].details.coding[0].code).toBe('SERVICE_UNAVAILABLE');
    expect(reply.json().issue[0].diagnostics).toContain('nothing was changed');
    expect(await version()).toBe(before);
    const read = await app.inject({
      method: 'GET',
      url: `/fhir/R4/Patient/${patientId}/$contact-preferences`,
      headers: { authorization },
    });
    expect(read.statusCode).toBe(503);
  });

  it('still changes contact details alone', async () => {
    const before = await version();
    const reply = await update({ name: 'mobile', valueString: '07700 900123' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json().parameter).toEqual([{ name: 'mobile', valueString: '+447700900123' }]);
    expect(await version()).toBe((before ?? 0) + 1);
  });

  it('rolls the contact change back when the consent store fails inside the transaction', async () => {
    const stored: string[] = [];
    const failing: NotificationPreferencesService = {
      get: async () => ({ smsConsent: true, emailConsent: true }),
      followMerge: async () => {},
      async set(tx, patient) {
        await tx.query('SELECT 1');
        stored.push(patient);
        throw new Error('consent store unavailable');
      },
    };
    services.provide(NOTIFICATION_PREFERENCES_SERVICE, failing);
    const before = await version();
    const reply = await update(
      { name: 'mobile', valueString: '07700 900999' },
      { name: 'smsConsent', valueBoolean: false },
    );
    expect(reply.statusCode).toBe(500);
    expect(reply.json().resourceType).toBe('OperationOutcome');
    expect(stored).toEqual([`Patient/${patientId}`]);
    expect(await version()).toBe(before);
  });
});
