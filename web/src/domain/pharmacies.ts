/** Pharmacies as the nomination page shows them (pure). */
import type { Organization } from '@medplum/fhirtypes';
import type { Errors } from './forms';

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

export function odsOf(pharmacy: Organization): string | undefined {
  return pharmacy.identifier?.find((identifier) => identifier.system === ODS)?.value;
}

/** "12 High Street, Leeds, LS1 6HB". */
export function pharmacyAddress(pharmacy: Organization): string {
  const address = pharmacy.address?.[0];
  if (!address) return '';
  return [...(address.line ?? []), address.city, address.postalCode].filter(Boolean).join(', ');
}

/** What to fix before searching (the server says the same, this saves a round trip). */
export function pharmacySearchErrors(words: string): Errors {
  if (words.trim().length < 2) {
    return [
      { field: 'pharmacy-search', message: 'Enter at least 2 letters of the pharmacy name, or a postcode' },
    ];
  }
  return [];
}
