/**
 * Prescription-order Bundles for tests, demos and benchmarks, built from the EPS example in
 * test/fixtures/eps (its shape, with our identifiers): a new short-form ID, long-form ID, message
 * id and item numbers each time, the given patient, prescriber, organisation and items.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type {
  Bundle,
  BundleEntry,
  MedicationRequest,
  Organization,
  Patient,
  Practitioner,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../nhs/index.js';
import { generateShortFormId } from '../identifiers/index.js';
import { PRESCRIPTION_ITEM_NUMBER } from '../order/bundle-entries.js';
import { REPEAT_INFORMATION_EXTENSION } from '../order/course-of-therapy.js';
import { CONTROLLED_DRUG_EXTENSION } from '../order/parse-order.js';

const FIXTURE = new URL('../../../test/fixtures/eps/prescription-order.json', import.meta.url);
let template: Bundle | undefined;

function fixture(): Bundle {
  template ??= JSON.parse(readFileSync(FIXTURE, 'utf8')) as Bundle;
  return structuredClone(template);
}

export interface OrderItemInput {
  /** dm+d code and display. */
  code?: string;
  display?: string;
  quantity?: number;
  /** dm+d unit of the quantity; by default the one the display's dose form names (capsules, tablets). */
  unit?: { code: string; display: string };
  controlled?: boolean;
  /** Controlled-drug schedule when controlled (default CD2). */
  schedule?: string;
}

/** Repeat dispensing (eRD) as EPS sends it: original-order, NHS England's course-of-therapy code. */
export interface RepeatDispensingInput {
  /** numberOfRepeatsAllowed: issues after the first (default 5, so 6 issues). */
  repeats?: number;
  /** expectedSupplyDuration in days (default 28). */
  intervalDays?: number;
  /** authorisationExpiryDate (default a year after the validity start). */
  authorisationExpiry?: string;
}

const SNOMED = 'http://snomed.info/sct';
/** dm+d units of measure for the dose forms our examples use. */
export const DMD_UNITS = {
  tablet: { code: '428673006', display: 'tablet' },
  capsule: { code: '428641000', display: 'capsule' },
  dose: { code: '3317411000001100', display: 'dose' },
  ml: { code: '258773002', display: 'ml' },
} as const;

/** The unit a medicine's name implies ("Amoxicillin 250mg capsules" → capsule), else tablet. */
export function unitForMedicine(display: string): { code: string; display: string } {
  if (/\bcapsules?\b/i.test(display)) return DMD_UNITS.capsule;
  if (/\b(inhaler|spray)\b/i.test(display)) return DMD_UNITS.dose;
  if (/\b(oral solution|suspension|liquid|syrup)\b/i.test(display)) return DMD_UNITS.ml;
  return DMD_UNITS.tablet;
}

export interface OrderBundleInput {
  ods?: string;
  nhsNumber?: string;
  /** Identifiers of the prescriber (e.g. the GMC number the register knows). */
  practitionerIdentifiers?: Array<{ system: string; value: string }>;
  items?: OrderItemInput[];
  /** ODS of the nominated pharmacy; null for none. */
  nominatedPharmacy?: string | null;
  shortFormId?: string;
  validityStart?: string;
  intent?: MedicationRequest['intent'];
  repeatDispensing?: RepeatDispensingInput;
}

/** An unsigned prescription-order (the EPS XML-DSig Provenance removed). */
export function orderBundle(input: OrderBundleInput = {}): Bundle {
  const bundle = fixture();
  const ods = input.ods ?? 'A83008';
  const shortFormId = input.shortFormId ?? generateShortFormId(ods);
  const longFormId = randomUUID();
  const entries = bundle.entry ?? [];
  const requestTemplate = entries.find((entry) => entry.resource?.resourceType === 'MedicationRequest')!;
  const others = entries.filter(
    (entry) =>
      entry.resource?.resourceType !== 'MedicationRequest' && entry.resource?.resourceType !== 'Provenance',
  );
  const items = (input.items ?? [{}]).map((item): BundleEntry => {
    const id = randomUUID();
    const resource = structuredClone(requestTemplate.resource) as MedicationRequest;
    resource.identifier = [{ system: PRESCRIPTION_ITEM_NUMBER, value: id }];
    const group = resource.groupIdentifier as NonNullable<MedicationRequest['groupIdentifier']>;
    group.value = shortFormId;
    group.extension = [
      {
        url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId',
        valueIdentifier: { system: 'https://fhir.nhs.uk/Id/prescription', value: longFormId },
      },
    ];
    const dispense = resource.dispenseRequest as NonNullable<MedicationRequest['dispenseRequest']>;
    const display = item.display ?? 'Amoxicillin 250mg capsules';
    resource.medicationCodeableConcept = {
      coding: [{ system: SNOMED, code: item.code ?? '39732311000001104', display }],
    };
    const unit = item.unit ?? unitForMedicine(display);
    dispense.quantity = { value: item.quantity ?? 20, unit: unit.display, system: SNOMED, code: unit.code };
    // The example's own validity started in 2022: today's date unless a test asks for another.
    dispense.validityPeriod = { start: input.validityStart ?? new Date().toISOString().slice(0, 10) };
    if (input.nominatedPharmacy === null) delete dispense.performer;
    else if (input.nominatedPharmacy)
      dispense.performer = {
        identifier: {
          system: ODS_SYSTEM,
          value: input.nominatedPharmacy,
        },
      };
    if (input.intent) {
      resource.intent = input.intent;
      if (input.intent === 'order') {
        delete resource.basedOn;
        delete resource.courseOfTherapyType;
      }
    }
    if (input.repeatDispensing) {
      const terms = input.repeatDispensing;
      const start = dispense.validityPeriod.start!;
      resource.intent = 'original-order';
      delete resource.basedOn;
      resource.courseOfTherapyType = {
        coding: [
          {
            system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy',
            code: 'continuous-repeat-dispensing',
            display: 'Continuous long term (repeat dispensing)',
          },
        ],
      };
      dispense.numberOfRepeatsAllowed = terms.repeats ?? 5;
      dispense.expectedSupplyDuration = {
        value: terms.intervalDays ?? 28,
        unit: 'day',
        system: 'http://unitsofmeasure.org',
        code: 'd',
      };
      resource.extension = [
        ...(resource.extension ?? []).filter((extension) => extension.url !== REPEAT_INFORMATION_EXTENSION),
        {
          url: REPEAT_INFORMATION_EXTENSION,
          extension: [
            {
              url: 'authorisationExpiryDate',
              valueDateTime:
                terms.authorisationExpiry ?? `${Number(start.slice(0, 4)) + 1}${start.slice(4, 10)}`,
            },
          ],
        },
      ];
    }
    if (item.controlled) {
      resource.extension = [
        ...(resource.extension ?? []),
        {
          url: CONTROLLED_DRUG_EXTENSION,
          extension: [
            { url: 'quantityWords', valueString: 'twenty' },
            {
              url: 'schedule',
              valueCoding: {
                system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-controlled-drug',
                code: item.schedule ?? 'CD2',
              },
            },
          ],
        },
      ];
    }
    return { fullUrl: `urn:uuid:${id}`, resource };
  });
  for (const entry of others) {
    const resource = entry.resource!;
    if (resource.resourceType === 'Patient' && input.nhsNumber) {
      (resource as Patient).identifier = [{ system: NHS_NUMBER_SYSTEM, value: input.nhsNumber }];
    }
    if (resource.resourceType === 'Practitioner' && input.practitionerIdentifiers) {
      (resource as Practitioner).identifier = input.practitionerIdentifiers;
    }
    if (resource.resourceType === 'Organization') {
      (resource as Organization).identifier = [{ system: ODS_SYSTEM, value: ods }];
    }
    if (resource.resourceType === 'MessageHeader') {
      resource.focus = [
        ...items.map((item) => ({ reference: item.fullUrl! })),
        ...(resource.focus ?? []).slice(4),
      ];
      resource.sender = {
        identifier: { system: ODS_SYSTEM, value: ods },
      };
    }
  }
  const [header, ...rest] = others;
  bundle.id = randomUUID();
  bundle.identifier = { system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() };
  bundle.timestamp = new Date().toISOString();
  bundle.entry = [header!, ...items, ...rest];
  return bundle;
}

/** Items of an order bundle, by position. */
export function orderItems(bundle: Bundle): MedicationRequest[] {
  return (bundle.entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === 'MedicationRequest' ? [entry.resource] : [],
  );
}

/** The short-form prescription ID of an order bundle. */
export function shortFormIdOf(bundle: Bundle): string {
  const value = orderItems(bundle)[0]?.groupIdentifier?.value;
  if (!value) throw new Error('the bundle has no prescription ID');
  return value;
}

/** The prescription-order-item-number of the item at `position` (lower case, as stored). */
export function itemIdOf(bundle: Bundle, position = 0): string {
  const value = orderItems(bundle)[position]?.identifier?.[0]?.value;
  if (!value) throw new Error(`the bundle has no item ${position}`);
  return value.toLowerCase();
}
