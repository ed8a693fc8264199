/**
 * Views read FHIR resources; two things analytics needs are kept as product state, not as stored
 * resources: what was dispensed (the prescription's state) and what happened to each patient
 * notification. These pure functions present them as the FHIR resources they are — a
 * MedicationDispense per dispensed line, a Communication per notification — so the same
 * ViewDefinitions read them.
 */
import { createHash } from 'node:crypto';
import type { Communication, MedicationDispense } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { PRESCRIPTION_ORDER_NUMBER } from '../../prescribing/index.js';

export const DISPENSE_TYPE_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationdispense-type';
export const NOTIFICATION_TEMPLATE_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/notification-template';
export const NOTIFICATION_OUTCOME_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/notification-outcome';

/** On a derived MedicationDispense: when its prescription was ordered (order → dispense times). */
export const ORDERED_AT_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/prescription-ordered-at';

const LINE_TYPE: Record<string, [string, string]> = {
  dispensed: ['0001', 'Item fully dispensed'],
  'not-dispensed': ['0002', 'Item not dispensed'],
  partial: ['0003', 'Item dispensed - partial'],
  owing: ['0004', 'Item not dispensed owing'],
};

export interface PrescriptionRow {
  short_form_id: string;
  patient: string | null;
  dispenser: string | null;
  last_dispensed_at: Date | string | null;
  /** When the prescription-order was accepted. */
  created_at: Date | string;
  state: {
    dispenses?: Array<{ id: string; lines: Array<{ itemId: string; type: string; quantity: number }> }>;
  };
}

/** A stable FHIR id (≤ 64 characters) for a derived resource. */
function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}

/**
 * One MedicationDispense per line of each dispense notification. The state keeps no time per
 * notification, so `whenHandedOver` is when the prescription was last dispensed (exact for the
 * usual single notification). `medication` is the prescribed item's, when known.
 */
export function dispensesOf(
  row: PrescriptionRow,
  medicationOf: (itemId: string) => MedicationDispense['medicationCodeableConcept'] | undefined,
): MedicationDispense[] {
  const handedOver = row.last_dispensed_at ? new Date(row.last_dispensed_at).toISOString() : undefined;
  return (row.state.dispenses ?? []).flatMap((record) =>
    record.lines.map((line): MedicationDispense => {
      const [code, display] = LINE_TYPE[line.type] ?? ['0001', 'Item fully dispensed'];
      const medication = medicationOf(line.itemId);
      return {
        resourceType: 'MedicationDispense',
        id: derivedId('md', row.short_form_id, record.id, line.itemId),
        status: line.type === 'dispensed' || line.type === 'partial' ? 'completed' : 'declined',
        type: { coding: [{ system: DISPENSE_TYPE_SYSTEM, code, display }] },
        medicationCodeableConcept: medication ?? { text: 'unknown' },
        ...(row.patient ? { subject: { reference: row.patient } } : {}),
        ...(row.dispenser
          ? { performer: [{ actor: { identifier: { system: ODS_SYSTEM, value: row.dispenser } } }] }
          : {}),
        authorizingPrescription: [
          {
            reference: `MedicationRequest/${line.itemId}`,
            identifier: { system: PRESCRIPTION_ORDER_NUMBER, value: row.short_form_id },
          },
        ],
        quantity: { value: line.quantity },
        ...(handedOver ? { whenHandedOver: handedOver } : {}),
        identifier: [{ system: 'https://fhir.pathways.dev/Id/dispense-notification', value: record.id }],
        extension: [{ url: ORDERED_AT_EXTENSION, valueDateTime: new Date(row.created_at).toISOString() }],
      };
    }),
  );
}

export interface NotificationRow {
  id: string;
  patient: string;
  template: string;
  state: string;
  channel: string | null;
  attempts: number;
  created_at: Date | string;
  finished_at: Date | string | null;
}

const STATUS: Record<string, Communication['status']> = {
  pending: 'preparation',
  sending: 'in-progress',
  delivered: 'completed',
  worklist: 'stopped',
};

/** A notification as a Communication: template, channel, outcome, attempts, when. */
export function communicationOf(row: NotificationRow): Communication {
  return {
    resourceType: 'Communication',
    id: `notification-${row.id}`,
    status: STATUS[row.state] ?? 'unknown',
    category: [{ coding: [{ system: NOTIFICATION_TEMPLATE_SYSTEM, code: row.template }] }],
    statusReason: { coding: [{ system: NOTIFICATION_OUTCOME_SYSTEM, code: row.state }] },
    ...(row.channel
      ? {
          medium: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode',
                  code: row.channel === 'sms' ? 'SMSWRIT' : 'EMAILWRIT',
                },
              ],
            },
          ],
        }
      : {}),
    ...(row.patient.startsWith('Patient/') ? { subject: { reference: row.patient } } : {}),
    sent: new Date(row.created_at).toISOString(),
    ...(row.finished_at ? { received: new Date(row.finished_at).toISOString() } : {}),
    extension: [
      {
        url: 'https://fhir.pathways.dev/StructureDefinition/notification-attempts',
        valueInteger: row.attempts,
      },
    ],
  };
}
