/**
 * Demo dispensing for `npm start`: the demo pharmacy (FCG71) releases two of the demo
 * prescriptions, and dispenses and claims one of them — so the tracker, the portal and the ePMS
 * feed show a prescription at every stage. The demo eRD goes two issues in: issue 1 released,
 * dispensed and claimed, issue 2 started (available to the nominated pharmacy). Through the same
 * functions as the API; idempotent (each step only from the state before it).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Principal } from '../platform/auth/principal.js';
import type { Database } from '../platform/database/database.js';
import {
  DEMO_PRESCRIPTIONS,
  findPrescription,
  startDueIssue,
  type VerificationDeps,
} from '../prescribing/index.js';
import { acceptClaim } from './claim/claim.js';
import { applyDispenseNotification } from './dispense/dispense.js';
import { claim, dispenseNotification } from './examples/messages.js';
import { releasePrescriptions } from './release/release.js';

const PHARMACY: Principal = {
  subject: 'demo-seed',
  issuer: 'pathways-demo',
  roles: ['dispenser'],
  fhirUser: 'Practitioner/demo-pharmacist',
  org: 'FCG71',
  scopes: [],
  amr: ['pwd', 'otp'],
};

export async function seedDispensingDemo(deps: VerificationDeps & { db: Database }): Promise<string[]> {
  const release = { ...deps, onVerificationFailure: () => {} };
  for (const shortFormId of [DEMO_PRESCRIPTIONS.withPharmacy, DEMO_PRESCRIPTIONS.collected]) {
    const record = await findPrescription(deps.db, shortFormId, { summary: true });
    if (record?.status === '0001') await releasePrescriptions(release, { owner: 'FCG71', shortFormId });
  }
  const collected = await findPrescription(deps.db, DEMO_PRESCRIPTIONS.collected, { summary: true });
  if (collected?.status === '0002') {
    const lines = collected.state.items.map((item) => ({
      itemId: item.id,
      type: '0001' as const,
      quantity: item.prescribedQuantity,
    }));
    await applyDispenseNotification(
      deps.db,
      dispenseNotification(collected.shortFormId, 'FCG71', lines) as Bundle,
      PHARMACY,
    );
  }
  if ((await findPrescription(deps.db, DEMO_PRESCRIPTIONS.collected, { summary: true }))?.status === '0006') {
    await acceptClaim(deps.db, claim(DEMO_PRESCRIPTIONS.collected), PHARMACY);
  }
  await seedRepeatDispensing(deps, release);
  return [
    `  demo pharmacy      FCG71 (demo-dispenser): ${DEMO_PRESCRIPTIONS.withPharmacy} with the pharmacy, ${DEMO_PRESCRIPTIONS.collected} dispensed and claimed`,
    `  demo eRD           ${DEMO_PRESCRIPTIONS.repeatDispensing}: issue 1 dispensed and claimed, issue 2 available`,
  ];
}

/** The eRD's first issue from release to claim, then its second issue started (weekly: due at once). */
async function seedRepeatDispensing(
  deps: VerificationDeps & { db: Database },
  release: Parameters<typeof releasePrescriptions>[0],
): Promise<void> {
  const id = DEMO_PRESCRIPTIONS.repeatDispensing;
  const current = () => findPrescription(deps.db, id, { summary: true });
  let record = await current();
  if (record?.state.repeat?.issue !== 1) return;
  if (record.status === '0001') await releasePrescriptions(release, { owner: 'FCG71', shortFormId: id });
  record = await current();
  if (record?.status === '0002') {
    const lines = record.state.items.map((item) => ({
      itemId: item.id,
      type: '0001' as const,
      quantity: item.prescribedQuantity,
    }));
    await applyDispenseNotification(deps.db, dispenseNotification(id, 'FCG71', lines) as Bundle, PHARMACY);
  }
  if ((await current())?.status === '0006') await acceptClaim(deps.db, claim(id), PHARMACY);
  await deps.db.transaction(async (tx) => {
    const locked = await findPrescription(tx, id, { forUpdate: true });
    if (locked?.state.repeat?.issue === 1) await startDueIssue(tx, locked, new Date());
  });
}
