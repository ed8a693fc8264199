/**
 * The ViewDefinitions Pathways ships for the analytics the source architecture names, run by name
 * (`viewReference` `ViewDefinition/<name>`, or `pathways views run <name>`). Views give one row
 * per item; the per-day, per-organisation counts are a GROUP BY over them, e.g.
 * `SELECT day, organisation, dmd_code, count(*) FROM items_prescribed GROUP BY 1, 2, 3`.
 */
import { ODS_SYSTEM } from '../../nhs/index.js';

const SNOMED = 'http://snomed.info/sct';

const dmdCode = (element: string) => `${element}.coding.where(system = '${SNOMED}').code.first()`;

export const SHIPPED_VIEWS: Record<string, Record<string, unknown>> = {
  /** Items prescribed: a row per MedicationRequest (prescribed item). */
  items_prescribed: {
    resourceType: 'ViewDefinition',
    name: 'items_prescribed',
    status: 'active',
    resource: 'MedicationRequest',
    select: [
      {
        column: [
          { name: 'item_id', path: 'getResourceKey()' },
          { name: 'prescription_id', path: 'groupIdentifier.value' },
          // EPS orders carry no authoredOn: then the time the item was stored (accepted) stands in.
          {
            name: 'day',
            path: 'iif(authoredOn.exists(), authoredOn, meta.lastUpdated).toString().substring(0, 10)',
          },
          { name: 'authored_on', path: 'iif(authoredOn.exists(), authoredOn, meta.lastUpdated)' },
          {
            name: 'organisation',
            path: "extension('https://fhir.pathways.dev/StructureDefinition/prescriber-organisation').value.ofType(Identifier).value.first()",
          },
          { name: 'dmd_code', path: dmdCode('medicationCodeableConcept') },
          { name: 'status', path: 'status' },
          { name: 'patient_id', path: 'subject.getReferenceKey(Patient)' },
        ],
      },
    ],
  },
  /** Items dispensed: a row per line of every dispense notification (all outcomes, by type). */
  items_dispensed: {
    resourceType: 'ViewDefinition',
    name: 'items_dispensed',
    status: 'active',
    resource: 'MedicationDispense',
    select: [
      {
        column: [
          { name: 'dispense_id', path: 'getResourceKey()' },
          { name: 'prescription_id', path: 'authorizingPrescription.identifier.value.first()' },
          { name: 'item_id', path: 'authorizingPrescription.getReferenceKey(MedicationRequest).first()' },
          { name: 'day', path: 'whenHandedOver.toString().substring(0, 10)' },
          {
            name: 'organisation',
            path: `performer.actor.identifier.where(system = '${ODS_SYSTEM}').value.first()`,
          },
          { name: 'dmd_code', path: dmdCode('medicationCodeableConcept') },
          { name: 'dispense_type', path: 'type.coding.code.first()' },
          { name: 'quantity', path: 'quantity.value' },
          { name: 'patient_id', path: 'subject.getReferenceKey(Patient)' },
        ],
      },
    ],
  },
  /** Items claimed: a row per claimed line item (Claim.item.detail). */
  items_claimed: {
    resourceType: 'ViewDefinition',
    name: 'items_claimed',
    status: 'active',
    resource: 'Claim',
    select: [
      {
        column: [
          { name: 'claim_id', path: 'getResourceKey()' },
          {
            name: 'prescription_id',
            path: "prescription.extension('https://fhir.nhs.uk/StructureDefinition/Extension-DM-GroupIdentifier').extension('shortForm').value.ofType(Identifier).value.first()",
          },
          { name: 'day', path: 'created.toString().substring(0, 10)' },
          {
            name: 'organisation',
            path: `contained.ofType(Organization).identifier.where(system = '${ODS_SYSTEM}').value.first()`,
          },
        ],
      },
      {
        forEach: 'item.detail',
        column: [
          { name: 'dmd_code', path: dmdCode('productOrService') },
          { name: 'quantity', path: 'quantity.value' },
        ],
      },
    ],
  },
  /** Order to dispense: when each dispensed item was ordered and handed over (subtract for the time). */
  order_to_dispense: {
    resourceType: 'ViewDefinition',
    name: 'order_to_dispense',
    status: 'active',
    resource: 'MedicationDispense',
    where: [{ path: "type.coding.where(code = '0001' or code = '0003').exists()" }],
    select: [
      {
        column: [
          { name: 'prescription_id', path: 'authorizingPrescription.identifier.value.first()' },
          { name: 'item_id', path: 'authorizingPrescription.getReferenceKey(MedicationRequest).first()' },
          {
            name: 'ordered_at',
            path: "extension('https://fhir.pathways.dev/StructureDefinition/prescription-ordered-at').value.first()",
          },
          { name: 'handed_over', path: 'whenHandedOver' },
          {
            name: 'organisation',
            path: `performer.actor.identifier.where(system = '${ODS_SYSTEM}').value.first()`,
          },
        ],
      },
    ],
  },
  /** Notification delivery outcomes: a row per patient notification. */
  notification_outcomes: {
    resourceType: 'ViewDefinition',
    name: 'notification_outcomes',
    status: 'active',
    resource: 'Communication',
    where: [
      {
        path: "category.coding.where(system = 'https://fhir.pathways.dev/CodeSystem/notification-template').exists()",
      },
    ],
    select: [
      {
        column: [
          { name: 'notification_id', path: 'getResourceKey()' },
          { name: 'template', path: 'category.coding.code.first()' },
          { name: 'outcome', path: 'statusReason.coding.code.first()' },
          { name: 'channel', path: 'medium.coding.code.first()' },
          { name: 'day', path: 'sent.toString().substring(0, 10)' },
          { name: 'finished_at', path: 'received' },
          {
            name: 'attempts',
            path: "extension('https://fhir.pathways.dev/StructureDefinition/notification-attempts').value.first()",
          },
        ],
      },
    ],
  },
};

/** `ViewDefinition/<name>` or `<name>` → the shipped view, or undefined. */
export function shippedView(reference: string): Record<string, unknown> | undefined {
  const name = reference.replace(/^ViewDefinition\//, '');
  return Object.hasOwn(SHIPPED_VIEWS, name) ? SHIPPED_VIEWS[name] : undefined;
}
