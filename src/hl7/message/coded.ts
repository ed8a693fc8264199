/** HL7 v2 coded elements (CE/CWE) → FHIR CodeableConcept (pure). */
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { Repetition } from './fields.js';

const SYSTEMS: Record<string, string> = {
  LN: 'http://loinc.org',
  LOINC: 'http://loinc.org',
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  SNOMED: 'http://snomed.info/sct',
  UCUM: 'http://unitsofmeasure.org',
  I10: 'http://hl7.org/fhir/sid/icd-10',
};

/** The FHIR system for an HL7 coding system name (table 0396); local ones keep their name as a URN. */
export function codingSystem(name: string): string | undefined {
  if (!name) return undefined;
  return SYSTEMS[name.toUpperCase()] ?? `urn:hl7-coding-system:${encodeURIComponent(name)}`;
}

function coding(code: string, display: string, system: string): Coding | undefined {
  if (!code) return undefined;
  const uri = codingSystem(system);
  return { ...(uri ? { system: uri } : {}), code, ...(display ? { display } : {}) };
}

/** CE/CWE: identifier^text^system^alternate identifier^alternate text^alternate system. */
export function codeableConcept(ce: Repetition | undefined): CodeableConcept | undefined {
  if (!ce) return undefined;
  const codings = [
    coding(ce.component(1), ce.component(2), ce.component(3)),
    coding(ce.component(4), ce.component(5), ce.component(6)),
  ].filter((c): c is Coding => c !== undefined);
  const text = ce.component(2) || ce.component(5) || ce.component(1);
  if (!codings.length && !text) return undefined;
  return { ...(codings.length ? { coding: codings } : {}), ...(text ? { text } : {}) };
}
