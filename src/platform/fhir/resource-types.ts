/**
 * The FHIR resource types this server stores. The CapabilityStatement, routing and search are
 * generated from this list, so a type missing here is answered 404 "not supported", never served.
 */
export const RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
  'Medication',
  'MedicationRequest',
  'MedicationDispense',
  'Task',
  'Communication',
  'Claim',
  'Provenance',
  'Schedule',
  'Slot',
  'Appointment',
  'Encounter',
  'ServiceRequest',
  'DiagnosticReport',
  'Observation',
  'Consent',
  'Device',
  'Group',
] as const;

export type StoredResourceType = (typeof RESOURCE_TYPES)[number];

const KNOWN = new Set<string>(RESOURCE_TYPES);

export function isStoredResourceType(type: string): type is StoredResourceType {
  return KNOWN.has(type);
}

/** FHIR id (ids.ts, kept here for the modules that import it from here). */
export { FHIR_ID } from './ids.js';
