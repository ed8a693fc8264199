/**
 * The tracker's search parameters and who sees what (docs/api.md §6), pure: a prescription is
 * visible to its prescriber's organisation, its dispenser, its patient and the service desk.
 */

import { isPatientBound, ownPatient } from '../../platform/auth/policy.js';
import type { Principal } from '../../platform/auth/principal.js';
import { forbidden, invalid } from '../../platform/errors/problem.js';
import { restoreUnencodedPlus } from '../../platform/fhir/search/parse-values.js';
import { PRESCRIPTION_ORDER_NUMBER } from '../order/bundle-entries.js';
import { isPrescriptionStatus, type PrescriptionStatus } from '../status/codes.js';
import type { PrescriptionQuery } from '../store/prescriptions.js';

export const TRACKER_PARAMS = [
  'focus:identifier',
  'patient:identifier',
  'patient',
  'business-status',
] as const;
const ALLOWED = new Set<string>([...TRACKER_PARAMS, '_count', '_offset', '_format']);
const MAX_COUNT = 100;

export function isTrackerQuery(query: URLSearchParams): boolean {
  return TRACKER_PARAMS.some((name) => query.has(name));
}

/** The query as the caller may run it, or a Problem (unknown parameters, no filter, wrong role). */
export function trackerQuery(query: URLSearchParams, principal: Principal): PrescriptionQuery {
  for (const name of query.keys()) {
    if (!ALLOWED.has(name)) throw invalid(`Unknown tracker search parameter ${name}`, name);
    // Only one value of each is read: a second one would be silently ignored.
    if (query.getAll(name).length > 1) throw invalid(`${name} is given more than once: give it once`, name);
  }
  const result: PrescriptionQuery = { limit: count(query.get('_count')) };
  const offset = query.get('_offset');
  if (offset !== null) {
    if (!/^\d{1,6}$/.test(offset)) throw invalid('_offset must be a whole number', '_offset');
    result.offset = Number(offset);
  }
  const focus = query.get('focus:identifier');
  if (focus !== null) {
    const [system, value] = split(focus);
    if (system !== undefined && system !== PRESCRIPTION_ORDER_NUMBER) {
      throw invalid(
        `focus:identifier takes the prescription ID (system ${PRESCRIPTION_ORDER_NUMBER})`,
        'focus:identifier',
      );
    }
    result.shortFormId = restoreUnencodedPlus(value).toUpperCase();
  }
  const patientIdentifier = query.get('patient:identifier');
  if (patientIdentifier !== null) {
    const [system, value] = split(patientIdentifier);
    result.patientIdentifier = { ...(system ? { system } : {}), value };
  }
  const patient = query.get('patient');
  if (patient !== null) {
    if (!/^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/.test(patient))
      throw invalid('patient must be Patient/<id>', 'patient');
    result.patient = patient.startsWith('Patient/') ? patient : `Patient/${patient}`;
  }
  const business = query.get('business-status');
  if (business !== null) {
    const codes = business.split(',').map((code) => code.split('|').pop()!);
    if (!codes.every(isPrescriptionStatus))
      throw invalid('business-status takes EPS prescription status codes (0001–0009)', 'business-status');
    result.status = codes as PrescriptionStatus[];
  }
  if (result.shortFormId === undefined && !result.patientIdentifier && !result.patient && !result.status) {
    throw invalid(`The tracker needs one of ${TRACKER_PARAMS.join(', ')}`);
  }
  return bindToCaller(result, principal);
}

function bindToCaller(query: PrescriptionQuery, principal: Principal): PrescriptionQuery {
  if (isPatientBound(principal)) {
    const own = ownPatient(principal);
    if (!own) throw forbidden('This patient account is not linked to a patient record');
    // Narrowed to the caller's own prescriptions in SQL, whatever else it names, so the answer
    // (entries, next link) is the same whether or not someone else's prescription matches; the
    // route re-checks every Task with the patient binding all the same.
    return { ...query, onlyPatient: own };
  }
  if (principal.roles.includes('service-desk') || principal.roles.includes('admin')) return query;
  if (!principal.org) throw forbidden('The tracker needs a token issued for an organisation');
  return { ...query, visibleToOrg: principal.org };
}

function split(token: string): [string | undefined, string] {
  const bar = token.lastIndexOf('|');
  const value = bar === -1 ? token : token.slice(bar + 1);
  const system = bar === -1 ? undefined : token.slice(0, bar) || undefined;
  if (!value) throw invalid(`Search value "${token}" has no value`);
  return [system, value];
}

function count(raw: string | null): number {
  if (raw === null) return 20;
  if (!/^\d{1,4}$/.test(raw)) throw invalid('_count must be a whole number', '_count');
  return Math.min(Math.max(Number(raw), 1), MAX_COUNT);
}
