/**
 * One complete cycle taken apart, in this process with the service's own domain functions on one
 * instrumented connection (instruments.ts), the server stopped: the order (submitOrder), the
 * release by ID (releasePrescriptions, which verifies the stored signature again), the
 * dispense-notification and the claim, each followed by the audit record its route waits for.
 * Wall time, the PostgreSQL backend's CPU and the statements of each step. The outbox's later
 * work (deliveries to the feed and notifications) is not in it: the suite measures that apart.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { acceptClaim } from '../../src/dispensing/claim/claim.js';
import { applyDispenseNotification } from '../../src/dispensing/dispense/dispense.js';
import { parseRelease } from '../../src/dispensing/release/parse-release.js';
import { releasePrescriptions } from '../../src/dispensing/release/release.js';
import type { AuditInput } from '../../src/platform/audit/audit-event.js';
import type { Principal } from '../../src/platform/auth/principal.js';
import { submitOrder } from '../../src/prescribing/order/submit-order.js';
import { prepareCycles } from '../data/orders.js';
import type { BenchPrescriber } from '../data/prescriber.js';
import type { PhaseCost, StatementCost } from '../harness/instruments.js';
import { instrumentedPrescribing, orderAudit } from './order-costs.js';

const STEPS = ['1 order', '2 release by ID', '3 dispense-notification', '4 claim'] as const;

function dispensingAudit(pharmacist: Principal, detail: string, patient: string | undefined): AuditInput {
  return {
    action: 'U',
    subtype: 'operation',
    outcome: '0',
    agent: {
      reference: `Device/${pharmacist.subject}`,
      roles: ['dispenser'],
      org: pharmacist.org!,
      ip: '127.0.0.1',
    },
    entity: { reference: 'Task/release', type: 'Task' },
    ...(patient ? { patient } : {}),
    requestId: 'bench',
    detail,
  };
}

export async function cycleCosts(options: {
  databaseUrl: string;
  dataDir: string;
  prescriber: BenchPrescriber;
  nhsNumbers: string[];
  pharmacy: string;
  count?: number;
}): Promise<{ phases: PhaseCost[]; statements: StatementCost[] }> {
  const count = options.count ?? 200;
  const service = await instrumentedPrescribing({
    ...options,
    untimedPhase: 'lookups outside a transaction',
    transactionPhase: 'transaction',
  });
  try {
    const { instruments, deps, caller, db } = service;
    const pharmacist: Principal = {
      subject: 'bench-pharmacy',
      issuer: 'bench',
      roles: ['dispenser'],
      org: options.pharmacy,
      scopes: [],
      amr: [],
      clientId: 'bench-pharmacy',
    };
    const cycles = await prepareCycles(options.prescriber, count, {
      nhsNumbers: options.nhsNumbers,
      pharmacy: options.pharmacy,
    });
    const releaseDeps = { ...deps, onVerificationFailure: () => {} };
    // Each step is a phase; its own transactions and lookups are counted inside it.
    const step = async <T>(name: (typeof STEPS)[number], fn: () => Promise<T>) => {
      instruments.scope = name;
      try {
        return await instruments.during(name, fn);
      } finally {
        instruments.scope = 'audit';
      }
    };
    const cycle = async (c: (typeof cycles)[number]) => {
      const accepted = await step(STEPS[0], () => submitOrder(deps, JSON.parse(c.body) as Bundle, caller));
      await service.audit(`${STEPS[0]}: audit record`, orderAudit(caller, accepted));
      const released = await step(STEPS[1], () =>
        releasePrescriptions(releaseDeps, parseRelease(JSON.parse(c.release))),
      );
      if (released.passed.length !== 1) throw new Error(`release failed: ${JSON.stringify(released.failed)}`);
      await service.audit(
        `${STEPS[1]}: audit record`,
        dispensingAudit(pharmacist, 'Task/$release', released.passed[0]!.record.patient),
      );
      const dispensed = await step(STEPS[2], () =>
        applyDispenseNotification(db, JSON.parse(c.dispense) as Bundle, pharmacist),
      );
      await service.audit(
        `${STEPS[2]}: audit record`,
        dispensingAudit(pharmacist, `dispense-notification ${dispensed.shortFormId}`, dispensed.patient),
      );
      const claimed = await step(STEPS[3], () => acceptClaim(db, JSON.parse(c.claim), pharmacist));
      await service.audit(
        `${STEPS[3]}: audit record`,
        dispensingAudit(pharmacist, `claim ${claimed.shortFormId}`, claimed.patient),
      );
      instruments.scope = undefined;
    };
    for (const c of cycles.slice(0, 20)) await cycle(c);
    instruments.reset();
    const backend = await instruments.attach();
    const measured = cycles.slice(20);
    const wall0 = performance.now();
    const cpu0 = instruments.cpu();
    for (const c of measured) await cycle(c);
    const wall = ((performance.now() - wall0) * 1000) / measured.length;
    const cpu = ((instruments.cpu() - cpu0) * 1000) / measured.length;
    if ((await instruments.attach()) !== backend)
      throw new Error('the connection was replaced while measuring');
    // Each step, then what ran inside it (its transaction, PKI and register checks), then its audit.
    const all = instruments.phaseCosts(measured.length);
    const phases: PhaseCost[] = [];
    let statements = 0;
    for (const name of STEPS) {
      const own = all.find((p) => p.phase === name);
      const audit = all.find((p) => p.phase === `${name}: audit record`);
      if (own) phases.push(own);
      for (const inner of all) {
        if (inner.phase.startsWith(`${name}: `) && inner !== audit)
          phases.push({ ...inner, phase: `  of which ${inner.phase.slice(name.length + 2)}` });
      }
      if (audit) phases.push(audit);
      statements += (own?.statements ?? 0) + (audit?.statements ?? 0);
    }
    phases.push({ phase: '**one cycle**', wallUs: wall, pgCpuUs: cpu, statements });
    return { phases, statements: instruments.statementCosts(measured.length) };
  } finally {
    await service.close();
  }
}
