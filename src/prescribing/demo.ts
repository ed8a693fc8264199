/**
 * Demo prescriptions for `npm start` (PATHWAYS_DEMO): three for the demo patient (Alex Hughes,
 * NHS 9449306060), signed by the demo nurse prescriber through the remote-signing keys and
 * accepted through the same path as any prescription-order. Dispensing's demo then moves two of
 * them on (one to the pharmacy, one all the way to a claim). Idempotent: fixed prescription IDs.
 */
import type { Principal } from '../platform/auth/principal.js';
import type { Database } from '../platform/database/database.js';
import { signPrescription } from '../signing/index.js';
import { orderBundle } from './examples/order-bundle.js';
import { checkCharacter } from './identifiers/index.js';
import { submitOrder } from './order/submit-order.js';
import type { RemoteSigningKeys } from './routes/prepare-sign.js';
import type { VerificationDeps } from './signature/verify-prescription.js';
import { findPrescription } from './store/prescriptions.js';

const id = (n: number) => {
  const seventeen = `DE000${n}A8300800001`;
  return `${seventeen.slice(0, 6)}-${seventeen.slice(6, 12)}-${seventeen.slice(12)}${checkCharacter(seventeen)}`;
};

export const DEMO_PRESCRIPTIONS = {
  waiting: id(1),
  withPharmacy: id(2),
  collected: id(3),
} as const;

const ITEMS = {
  [DEMO_PRESCRIPTIONS.waiting]: [
    { code: '322341003', display: 'Co-codamol 30mg/500mg tablets', quantity: 30 },
  ],
  [DEMO_PRESCRIPTIONS.withPharmacy]: [
    { code: '39732311000001104', display: 'Amoxicillin 250mg capsules', quantity: 21 },
  ],
  [DEMO_PRESCRIPTIONS.collected]: [
    { code: '324252006', display: 'Azithromycin 250mg capsules', quantity: 6 },
    { code: '39732311000001104', display: 'Amoxicillin 250mg capsules', quantity: 21 },
  ],
};

export const DEMO_PRESCRIBER: Principal = {
  subject: 'demo-seed',
  issuer: 'pathways-demo',
  roles: ['prescriber'],
  fhirUser: 'Practitioner/demo-prescriber-remote',
  org: 'A83008',
  scopes: [],
  amr: ['pwd', 'otp'],
};

export async function seedPrescribingDemo(
  deps: VerificationDeps & { db: Database; remoteKeys: RemoteSigningKeys },
): Promise<string[]> {
  let seeded = 0;
  for (const [shortFormId, items] of Object.entries(ITEMS)) {
    if (await findPrescription(deps.db, shortFormId, { summary: true })) continue;
    const bundle = orderBundle({
      shortFormId,
      nhsNumber: '9449306060',
      practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/nmc-number', value: '99Z9001D' }],
      nominatedPharmacy: 'FCG71',
      intent: 'order',
      items,
    });
    const material = await deps.db.transaction((tx) =>
      deps.remoteKeys.signingMaterial(tx, 'demo-prescriber-remote'),
    );
    const signed = await signPrescription(bundle, {
      privateKey: material.privateKey,
      certificate: material.certificateDer,
    });
    await submitOrder(deps, signed, DEMO_PRESCRIBER);
    seeded += 1;
  }
  return [
    `  demo prescriptions  ${Object.values(DEMO_PRESCRIPTIONS).join(', ')} for Alex Hughes (demo-patient)${seeded ? ` — ${seeded} new` : ''}`,
    '  send your own      npx tsx examples/send-prescription.ts --totp-secret <demo-prescriber TOTP secret above>',
  ];
}
