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

/** FHIR id: 1–64 of [A-Za-z0-9\-.] */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
