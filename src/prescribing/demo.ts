/**
 * Demo prescriptions for `npm start` (PATHWAYS_DEMO): four for the demo patient (Alex Hughes,
 * NHS 9449306060), signed by the demo nurse prescriber through the remote-signing keys and
 * accepted through the same path as any prescription-order: a repeat (the patient may request it
 * again), two acute ones, and a weekly repeat-dispensing (eRD) prescription of six issues.
 * Dispensing's demo then moves three of them on (one to the pharmacy, one all the way to a claim,
 * and the eRD's first issue to a claim so that its second is available). Idempotent: fixed IDs.
 */
import type { Principal } from '../platform/auth/principal.js';
import type { Database } from '../platform/database/database.js';
import { signPrescription } from '../signing/index.js';
import { type OrderBundleInput, orderBundle } from './examples/order-bundle.js';
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
  repeatDispensing: id(4),
} as const;

/** The demo eRD: six weekly issues (a week's supply each, so each next issue is due at once). */
export const DEMO_REPEAT_DISPENSING = { repeats: 5, intervalDays: 7 } as const;

type DemoOrder = Pick<OrderBundleInput, 'items' | 'intent' | 'repeatDispensing'>;

const ORDERS: Record<string, DemoOrder> = {
  // A repeat (continuous course): the patient may ask for it again.
  [DEMO_PRESCRIPTIONS.waiting]: {
    intent: 'original-order',
    items: [{ code: '322341003', display: 'Co-codamol 30mg/500mg tablets', quantity: 30 }],
  },
  [DEMO_PRESCRIPTIONS.withPharmacy]: {
    intent: 'order',
    items: [{ code: '39732311000001104', display: 'Amoxicillin 250mg capsules', quantity: 21 }],
  },
  [DEMO_PRESCRIPTIONS.collected]: {
    intent: 'order',
    items: [
      { code: '324252006', display: 'Azithromycin 250mg capsules', quantity: 6 },
      { code: '39732311000001104', display: 'Amoxicillin 250mg capsules', quantity: 21 },
    ],
  },
  [DEMO_PRESCRIPTIONS.repeatDispensing]: {
    items: [{ code: '322237000', display: 'Paracetamol 500mg soluble tablets', quantity: 56 }],
    repeatDispensing: DEMO_REPEAT_DISPENSING,
  },
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
  for (const [shortFormId, demo] of Object.entries(ORDERS)) {
    if (await findPrescription(deps.db, shortFormId, { summary: true })) continue;
    const bundle = orderBundle({
      shortFormId,
      nhsNumber: '9449306060',
      practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/nmc-number', value: '99Z9001D' }],
      nominatedPharmacy: 'FCG71',
      ...demo,
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
