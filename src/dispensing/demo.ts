/**
 * Demo dispensing for `npm start`: the demo pharmacy (FCG71) releases two of the demo
 * prescriptions, and dispenses and claims one of them — so the tracker, the portal and the ePMS
 * feed show a prescription at every stage. Through the same functions as the API; idempotent.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Principal } from '../platform/auth/principal.js';
import type { Database } from '../platform/database/database.js';
import { DEMO_PRESCRIPTIONS, findPrescription, type VerificationDeps } from '../prescribing/index.js';
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
  return [
    `  demo pharmacy      FCG71 (demo-dispenser): ${DEMO_PRESCRIPTIONS.withPharmacy} with the pharmacy, ${DEMO_PRESCRIPTIONS.collected} dispensed and claimed`,
  ];
}
