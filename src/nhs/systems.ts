/**
 * NHS identifier systems every capability names (NHS England's NamingSystems), defined once here.
 * The NHS and CHI number systems live beside their checks in nhs-number.ts.
 */

/** ODS organisation and site codes: practices, pharmacies, trusts (e.g. A83008, FCG71, RR8). */
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** An ODS code as accounts, clients, the register and messages accept it: upper-case letters and digits. */
export const ODS_CODE = /^[A-Z0-9]{3,10}$/;
