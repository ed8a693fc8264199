/**
 * Where one prescription-order's time goes, measured in this process with the service's own
 * modules on the bench database (the server stopped, so nothing contends): the pure steps one call
 * at a time over distinct signed bundles, then the real `submitOrder` and the audit record its
 * handler waits for, over fresh bundles, with the database, the PKI and the register instrumented
 * (instruments.ts) so that every millisecond lands in one phase, with the PostgreSQL CPU of each.
 */

import type { Bundle } from '@medplum/fhirtypes';
import type { AuditInput } from '../../src/platform/audit/audit-event.js';
import { deriveAuditKeys } from '../../src/platform/audit/audit-keys.js';
import { AuditTrail } from '../../src/platform/audit/trail.js';
import type { Principal } from '../../src/platform/auth/principal.js';
import { loadSecretKey } from '../../src/platform/crypto/secret-box.js';
import { type Database, openDatabase } from '../../src/platform/database/database.js';
import { validateResource } from '../../src/platform/fhir/validation/index.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { createMetricsRegistry } from '../../src/platform/metrics/metrics.js';
import { parsePrescriptionOrder } from '../../src/prescribing/order/parse-order.js';
import { type OrderDeps, submitOrder } from '../../src/prescribing/order/submit-order.js';
import { CertificateAuthority } from '../../src/register/pki/authority.js';
import { loadOrCreateCa } from '../../src/register/pki/ca-store.js';
import { createCertificateChecker } from '../../src/register/pki/check.js';
import { createRegisterService } from '../../src/register/register-service.js';
import { createSignerLookup } from '../../src/register/signer-at.js';
import { payloadDigest, verifyBundleSignature } from '../../src/signing/index.js';
import { prepareOrders } from '../data/orders.js';
import type { BenchPrescriber } from '../data/prescriber.js';
import { Instruments, type PhaseCost, type StatementCost } from '../harness/instruments.js';

export interface OrderCost {
  operation: string;
  usPerOp: number;
}

/** Mean µs of `fn(item)` over every item, one at a time, after warming up on the first few. */
async function each<T>(items: T[], fn: (item: T) => unknown): Promise<number> {
  for (const item of items.slice(0, 20)) await fn(item);
  const started = performance.now();
  for (const item of items) await fn(item);
  return ((performance.now() - started) * 1000) / items.length;
}

export const ORDER_TRANSACTION = 'the order transaction (patient, prescription, item, receipt, event)';

/** The service's prescribing dependencies in this process, on one instrumented connection. */
export interface InstrumentedPrescribing {
  db: Database;
  instruments: Instruments;
  deps: OrderDeps;
  caller: Principal;
  audit(phase: string, input: AuditInput): Promise<void>;
  close(): Promise<void>;
}

export async function instrumentedPrescribing(options: {
  databaseUrl: string;
  dataDir: string;
  prescriber: BenchPrescriber;
  untimedPhase: string;
  transactionPhase: string;
}): Promise<InstrumentedPrescribing> {
  // One connection: one backend whose CPU is the work's.
  const raw = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir, poolSize: 1 });
  const instruments = new Instruments(raw, options.untimedPhase, options.transactionPhase);
  await instruments.attach();
  // The server's own secret key and CA, so the checker trusts what the register issued.
  const secretKey = loadSecretKey({ dataDir: options.dataDir, env: {} });
  const authority = await CertificateAuthority.create(await loadOrCreateCa(raw, secretKey));
  const checker = createCertificateChecker(authority);
  const register = createRegisterService();
  const db = instruments.database();
  const trail = new AuditTrail({
    db,
    log: createLogger({ level: 'silent' }),
    metrics: createMetricsRegistry(),
    keys: deriveAuditKeys(secretKey),
  });
  const { prescriber } = options;
  return {
    db,
    instruments,
    deps: {
      db,
      pki: {
        checkSigningCertificate: instruments.wrap('certificate check (PKI)', checker.checkSigningCertificate),
        signerAt: instruments.wrap(
          'certificate, prescriber and rights at sigT (one query)',
          createSignerLookup(checker),
        ),
      },
      register: {
        resolvePractitioner: instruments.wrap(
          'register: prescriber by GMC number',
          register.resolvePractitioner,
        ),
        rightsAt: instruments.wrap('register: rights at sigT', register.rightsAt),
      },
    },
    caller: {
      subject: 'bench-prescriber',
      issuer: 'bench',
      roles: ['prescriber'],
      fhirUser: `Practitioner/${prescriber.practitionerId}`,
      org: prescriber.ods,
      scopes: [],
      amr: ['pwd', 'otp'],
    },
    audit: (phase, input) => instruments.during(phase, () => trail.record(input)),
    async close() {
      await trail.close();
      await raw.close();
    },
  };
}

/** The audit record the prescription-order handler writes (order-handlers.ts). */
export function orderAudit(
  caller: Principal,
  accepted: { items: string[]; patient?: string | undefined; shortFormId: string },
): AuditInput {
  return {
    action: 'C',
    subtype: 'operation',
    outcome: '0',
    agent: { reference: caller.fhirUser!, roles: [...caller.roles], org: caller.org!, ip: '127.0.0.1' },
    entity: { reference: accepted.items[0]!, type: 'MedicationRequest' },
    ...(accepted.patient ? { patient: accepted.patient } : {}),
    requestId: 'bench',
    detail: `prescription-order ${accepted.shortFormId} accepted`,
  };
}

export async function orderCosts(options: {
  databaseUrl: string;
  dataDir: string;
  prescriber: BenchPrescriber;
  nhsNumbers: string[];
  count?: number;
}): Promise<{
  costs: OrderCost[];
  phases: PhaseCost[];
  statements: StatementCost[];
  /** One order in the four parts (plus the rest), µs of wall time. */
  split: { part: string; us: number }[];
}> {
  const count = options.count ?? 300;
  const service = await instrumentedPrescribing({
    ...options,
    untimedPhase: 'idempotency lookups',
    transactionPhase: ORDER_TRANSACTION,
  });
  try {
    const { prescriber } = options;
    const prepare = async () =>
      (await prepareOrders(prescriber, count, { nhsNumbers: options.nhsNumbers })).map((o) => o.body);

    // The pure steps, each over the same distinct bundles (parsed anew for each step).
    const bodies = await prepare();
    const parsed = () => bodies.map((body) => JSON.parse(body) as Bundle);
    const costs: OrderCost[] = [];
    const step = async (operation: string, usPerOp: Promise<number>) => {
      costs.push({ operation, usPerOp: await usPerOp });
    };
    await step(
      'JSON.parse of the request body',
      each(bodies, (b) => JSON.parse(b)),
    );
    await step('validateResource(Bundle) (R4 + bindings)', each(parsed(), validateResource));
    const validated = parsed().map((bundle) => validateResource(bundle) as Bundle);
    await step('parsePrescriptionOrder (the order rules)', each(validated, parsePrescriptionOrder));
    await step('payloadDigest (canonical payload + SHA-256)', each(validated, payloadDigest));
    await step(
      'verifyBundleSignature (canonical payload, x5c, ES256)',
      each(validated, verifyBundleSignature),
    );

    // The real submitOrder and audit record over fresh bundles, every phase timed.
    const fresh = await prepare();
    const { instruments, deps, caller } = service;
    const order = async (body: string) => {
      const accepted = await submitOrder(deps, JSON.parse(body) as Bundle, caller);
      await service.audit('audit record (a flush of one)', orderAudit(caller, accepted));
    };
    for (const body of fresh.slice(0, 20)) await order(body);
    instruments.reset();
    const backend = await instruments.attach();
    const measured = fresh.slice(20);
    const wall0 = performance.now();
    const cpu0 = instruments.cpu();
    for (const body of measured) await order(body);
    const totalWall = performance.now() - wall0;
    const totalCpu = instruments.cpu() - cpu0;
    if ((await instruments.attach()) !== backend)
      throw new Error('the connection was replaced while measuring');

    const per = (ms: number) => (ms * 1000) / measured.length;
    const phases = instruments.phaseCosts(measured.length);
    const sum = (key: 'wallUs' | 'pgCpuUs') => phases.reduce((total, p) => total + p[key], 0);
    const statementsPerOrder = phases.reduce((total, p) => total + p.statements, 0);
    phases.push({
      phase: 'the rest: validation, order rules, digest, signature check (in this process)',
      wallUs: per(totalWall) - sum('wallUs'),
      pgCpuUs: per(totalCpu) - sum('pgCpuUs'),
      statements: 0,
    });
    phases.push({
      phase: '**one order: submitOrder + audit record**',
      wallUs: per(totalWall),
      pgCpuUs: per(totalCpu),
      statements: statementsPerOrder,
    });

    const cost = (prefix: string) => costs.find((c) => c.operation.startsWith(prefix))?.usPerOp ?? 0;
    const phase = (prefix: string) => phases.find((p) => p.phase.startsWith(prefix))?.wallUs ?? 0;
    const parsing = cost('JSON.parse');
    const validation = cost('validateResource') + cost('parsePrescriptionOrder');
    const signature = cost('verifyBundleSignature') + phase('certificate check');
    const database = phase(ORDER_TRANSACTION);
    const whole = parsing + per(totalWall);
    return {
      costs,
      phases,
      statements: instruments.statementCosts(measured.length),
      split: [
        { part: 'parsing (JSON.parse of the body)', us: parsing },
        { part: 'validation (validateResource + parsePrescriptionOrder)', us: validation },
        { part: 'signature verification (verifyBundleSignature + PKI check)', us: signature },
        { part: 'database (the order transaction)', us: database },
        {
          part: 'the rest: idempotency and register lookups, payload digest, audit record',
          us: whole - parsing - validation - signature - database,
        },
        { part: '**one order, end to end in-process**', us: whole },
      ],
    };
  } finally {
    await service.close();
  }
}
