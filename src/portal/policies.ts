/**
 * Who may call each portal route and write each portal type (least privilege), in one table.
 * Each portal route declares its entry as `config: { access }` (the /fhir scope enforces it; the
 * generic FHIR writes use theirs through resource-types.ts); patient-bound routes then bind what
 * they touch to the caller.
 */
import type { AccessPolicy } from '../platform/auth/policy.js';

export const PORTAL_POLICIES = {
  /** POST, PUT and DELETE of Appointment (with the booking rules: slots and events). */
  manageAppointments: { roles: ['clinician', 'admin'] },
  /** POST, PUT and DELETE of Patient, Schedule, Slot, DiagnosticReport and Observation. */
  manageRecords: { roles: ['clinician', 'admin'] },
  /** POST, PUT and DELETE of Consent: clinicians and admins, and a patient their own. */
  writeConsent: { roles: ['clinician', 'admin', 'patient'], patient: 'bound' },
  /** $cancel, $reschedule, $available-slots on the caller's own appointments. */
  ownAppointments: { roles: ['patient'], patient: 'bound' },
  /** DiagnosticReport/{id}/$release. */
  releaseResults: { roles: ['clinician', 'prescriber'] },
  /** MedicationRequest/$request-repeat [MFA]. */
  requestRepeat: { roles: ['patient'], patient: 'bound', stepUp: true },
  /** Task/{id}/$complete-repeat: the token's org must be the Task owner's ODS code (checked on load). */
  completeRepeat: { roles: ['prescriber'], organisation: 'token-org-must-match' },
  /** Patient/{id}/$update-contact and $contact-preferences on the caller's own record. */
  ownContactDetails: { roles: ['patient'], patient: 'bound' },
  /** Patient/{id}/$nominated-pharmacy and $nominate-pharmacy on the caller's own record. */
  ownNomination: { roles: ['patient'], patient: 'bound' },
  /** Organization/$find-pharmacy: the pharmacies a patient may nominate. */
  findPharmacy: { roles: ['patient'], patient: 'bound' },
} as const satisfies Record<string, AccessPolicy>;

/**
 * Writers inside the service admitted to the portal's types without an HTTP role: the hospital
 * feed (`hl7`) writes the EPR's appointments, their timetables and patients and the laboratory's
 * results through the same declared rules (write-rules.ts `systemWriters`).
 */
export const PORTAL_SYSTEM_WRITERS = ['hl7'] as const;
