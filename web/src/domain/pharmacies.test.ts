import type { Organization } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { odsOf, pharmacyAddress, pharmacySearchErrors } from './pharmacies';

const pharmacy: Organization = {
  resourceType: 'Organization',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'FCG71' }],
  name: 'High Street Pharmacy',
  address: [{ line: ['12 High Street'], city: 'Leeds', postalCode: 'LS1 6HB' }],
};

describe('pharmacies on the nomination page', () => {
  it('names a pharmacy by its ODS code and address', () => {
    expect(odsOf(pharmacy)).toBe('FCG71');
    expect(pharmacyAddress(pharmacy)).toBe('12 High Street, Leeds, LS1 6HB');
    expect(pharmacyAddress({ resourceType: 'Organization' })).toBe('');
  });

  it('asks for at least 2 characters before searching', () => {
    expect(pharmacySearchErrors(' a ')).toEqual([
      { field: 'pharmacy-search', message: 'Enter at least 2 letters of the pharmacy name, or a postcode' },
    ]);
    expect(pharmacySearchErrors('LS1')).toEqual([]);
  });
});
