/**
 * Nominated pharmacy (pure): which Organizations count as pharmacies a patient may nominate, how a
 * patient's search words become a store search (a postcode or a name), and the trimmed view of a
 * pharmacy a patient is shown (no staff contacts, no internal extensions).
 */
import type { Organization } from '@medplum/fhirtypes';
import { invalid } from '../../platform/errors/problem.js';
import { ODS_SYSTEM, odsOfOrganization } from '../repeat-requests/rules.js';

/** ODS organisation role 182 (PHARMACY), as the service's own and the demo's Organizations carry it. */
export const ORGANISATION_ROLE_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/organisation-role';
export const PHARMACY_ROLE = '182';

/** The most pharmacies one search answers: a patient narrows by typing more. */
export const MAX_PHARMACIES = 20;

const ODS_CODE = /^[A-Z0-9]{3,12}$/;
/** A full UK postcode or its outward part ("LS1", "LS1 4", "LS1 4AP"), with or without the space. */
const POSTCODE = /^[A-Z]{1,2}[0-9][0-9A-Z]?(\s*[0-9]([A-Z]{1,2})?)?$/i;

export type PharmacyQuery =
  | { by: 'postcode'; value: string }
  | { by: 'name'; value: string }
  | { by: 'ods'; value: string };

/**
 * What the patient typed, as a search: something shaped like a postcode searches addresses by
 * postcode (starting with it), anything else searches names (containing it). An ODS code typed in
 * capitals (FCG71) also matches that pharmacy.
 */
export function pharmacyQuery(input: unknown): PharmacyQuery {
  if (typeof input !== 'string' || input.trim().length < 2) {
    throw invalid('Enter at least 2 characters of a pharmacy name or postcode', 'q');
  }
  const text = input.trim().replace(/\s+/g, ' ');
  if (text.length > 100) throw invalid('Search with at most 100 characters', 'q');
  if (POSTCODE.test(text)) {
    // A full postcode typed without its space (LS14AP) is stored with one (LS1 4AP).
    return {
      by: 'postcode',
      value: text.toUpperCase().replace(/^([A-Z0-9]{2,4}?)\s?(\d[A-Z]{2})$/, '$1 $2'),
    };
  }
  if (ODS_CODE.test(text) && /\d/.test(text)) return { by: 'ods', value: text };
  return { by: 'name', value: text };
}

/**
 * How a postcode query matches the postcodes the search index keeps (lower case, trimmed): a
 * query with its inward part (LS1 4) matches postcodes starting with it; an outward code alone
 * (LS1) matches that district only, the code itself or the code and a space, not LS15 or LS16,
 * which a plain "starts with" would. The store puts this in the search's SQL, so a district's
 * pharmacies are found however many others share its first letters.
 */
export function postcodePattern(query: string): { equals: string | undefined; startsWith: string } {
  const wanted = query.toLowerCase().trim().replace(/\s+/g, ' ');
  return wanted.includes(' ')
    ? { equals: undefined, startsWith: wanted }
    : { equals: wanted, startsWith: `${wanted} ` };
}

export function isPharmacy(organization: Organization): boolean {
  return (
    organization.active !== false &&
    odsOfOrganization(organization) !== undefined &&
    (organization.type ?? []).some((type) =>
      (type.coding ?? []).some(
        (coding) => coding.system === ORGANISATION_ROLE_SYSTEM && coding.code === PHARMACY_ROLE,
      ),
    )
  );
}

/** The pharmacy as a patient sees it: ODS code, name, address and public phone numbers. */
export function pharmacyView(organization: Organization): Organization {
  const ods = odsOfOrganization(organization);
  return {
    resourceType: 'Organization',
    ...(organization.id ? { id: organization.id } : {}),
    identifier: ods ? [{ system: ODS_SYSTEM, value: ods }] : [],
    active: organization.active ?? true,
    type: [{ coding: [{ system: ORGANISATION_ROLE_SYSTEM, code: PHARMACY_ROLE, display: 'Pharmacy' }] }],
    ...(organization.name ? { name: organization.name } : {}),
    ...(organization.telecom
      ? {
          telecom: organization.telecom.filter(
            (telecom) => telecom.system === 'phone' && telecom.use !== 'home',
          ),
        }
      : {}),
    ...(organization.address ? { address: organization.address } : {}),
  };
}

/** "12 High Street, Leeds, LS1 4AP" — the line a patient recognises a pharmacy by. */
export function addressLine(organization: Organization): string {
  const address = organization.address?.[0];
  if (!address) return '';
  return [...(address.line ?? []), address.city, address.postalCode].filter(Boolean).join(', ');
}

/** An ODS code to nominate: upper case letters and digits. */
export function nominationCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!ODS_CODE.test(code)) throw invalid('pharmacy must be an ODS code (letters and digits)', 'pharmacy');
  return code;
}
