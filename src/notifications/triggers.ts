/**
 * Which business events (docs/events.md) tell a patient something, and what (pure). One event
 * gives at most one notification, keyed by the event id, so an event handed over twice still
 * gives one message.
 */
import { PATIENT_REFERENCE } from '../platform/fhir/ids.js';
import { formatLondonDateTime } from '../platform/time/london-time.js';
import type { Personalisation, PipelineTemplate } from './templates.js';

export const TRIGGER_EVENT_TYPES = [
  'prescription-order',
  'prescription-released',
  'appointment-changed',
  'appointment-reminder-due',
  'result-released',
  'repeat-request-completed',
  'prescription-status-update',
] as const;

export interface NotificationRequest {
  /** `Patient/<id>`: the stored Patient whose contact details and consent apply. */
  patient: string;
  template: PipelineTemplate;
  personalisation: Personalisation;
  /** One notification per key, however often it is asked for. */
  dedupeKey: string;
  /** Not to be sent before this (a result is announced only once the patient can see it). */
  notBefore?: Date;
}

export type TriggerOutcome =
  | { request: NotificationRequest }
  | { skipped: 'not-for-patients' | 'no-patient' | 'malformed' };

export { PATIENT_REFERENCE };

interface EventLike {
  id: string;
  type: string;
  payload: unknown;
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function notificationFor(event: EventLike, context: { portalUrl: string }): TriggerOutcome {
  const payload = (
    typeof event.payload === 'object' && event.payload !== null ? event.payload : {}
  ) as Record<string, unknown>;
  const chosen = chooseTemplate(event.type, payload);
  if ('skipped' in chosen) return chosen;
  const patient = payload.patient;
  if (typeof patient !== 'string' || patient === '') return { skipped: 'no-patient' };
  if (!PATIENT_REFERENCE.test(patient)) return { skipped: 'malformed' };
  return {
    request: {
      patient,
      template: chosen.template,
      personalisation: { ...chosen.personalisation, portalUrl: context.portalUrl },
      dedupeKey: `event:${event.id}`,
      ...(chosen.notBefore ? { notBefore: chosen.notBefore } : {}),
    },
  };
}

type Choice =
  | { template: PipelineTemplate; personalisation: Personalisation; notBefore?: Date }
  | { skipped: 'not-for-patients' | 'malformed' };

const APPOINTMENT_CHANGES: Record<string, PipelineTemplate> = {
  booked: 'appointment-booked',
  cancelled: 'appointment-cancelled',
  rescheduled: 'appointment-rescheduled',
};

const REPEAT_OUTCOMES: Record<string, PipelineTemplate> = {
  completed: 'repeat-request-approved',
  rejected: 'repeat-request-declined',
};

function chooseTemplate(type: string, payload: Record<string, unknown>): Choice {
  switch (type) {
    case 'prescription-order': {
      // Only a nominated prescription goes to a pharmacy by itself; others wait for the patient.
      const nominated = typeof payload.nominatedPharmacy === 'string' && payload.nominatedPharmacy !== '';
      return nominated
        ? { template: 'prescription-sent-to-pharmacy', personalisation: {} }
        : { skipped: 'not-for-patients' };
    }
    case 'prescription-released':
      return { template: 'prescription-at-pharmacy', personalisation: {} };
    case 'appointment-changed': {
      const template = APPOINTMENT_CHANGES[String(payload.change)];
      const start = dateOf(payload.start);
      if (!template || !start) return { skipped: 'malformed' };
      return { template, personalisation: { when: formatLondonDateTime(start) } };
    }
    case 'appointment-reminder-due': {
      const start = dateOf(payload.start);
      if (!start) return { skipped: 'malformed' };
      return { template: 'appointment-reminder', personalisation: { when: formatLondonDateTime(start) } };
    }
    case 'result-released': {
      // HAZ-EARLY-RESULT: the message must not arrive before the result is visible in the portal.
      if (payload.visibleFrom === undefined) return { template: 'result-available', personalisation: {} };
      const visibleFrom = dateOf(payload.visibleFrom);
      if (!visibleFrom) return { skipped: 'malformed' };
      return { template: 'result-available', personalisation: {}, notBefore: visibleFrom };
    }
    case 'repeat-request-completed': {
      const template = REPEAT_OUTCOMES[String(payload.outcome)];
      return template ? { template, personalisation: {} } : { skipped: 'malformed' };
    }
    case 'prescription-status-update':
      // Dispensing decides (cool-down included) which updates are worth a message.
      return payload.notifyPatient === true
        ? { template: 'prescription-ready-to-collect', personalisation: {} }
        : { skipped: 'not-for-patients' };
    default:
      return { skipped: 'not-for-patients' };
  }
}
