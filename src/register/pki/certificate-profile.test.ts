import { describe, expect, it } from 'vitest';
import { commonName, practitionerUrl } from './certificate-profile.js';

describe('commonName', () => {
  it("keeps letters of any script, digits, spaces and . ' ( ) -", () => {
    expect(commonName("Dr Siobhán O'Neill-Ng (demo)")).toBe("Dr Siobhán O'Neill-Ng (demo)");
    expect(commonName('Dr Zoë Ångström 2')).toBe('Dr Zoë Ångström 2');
  });

  it('drops characters that DN strings escape, and collapses the spaces left', () => {
    expect(commonName('Dr, "Asha" <Patel> + MRCGP; x=y\\z#')).toBe('Dr Asha Patel MRCGP x y z');
  });

  it('cuts at 64 characters and never returns an empty name', () => {
    expect(commonName('A'.repeat(100))).toHaveLength(64);
    expect(commonName(',,,')).toBe('Prescriber');
  });
});

describe('practitionerUrl', () => {
  it('is the Practitioner on the FHIR base of PUBLIC_URL', () => {
    expect(practitionerUrl('https://pathways.example', 'p-1')).toBe(
      'https://pathways.example/fhir/R4/Practitioner/p-1',
    );
  });
});
