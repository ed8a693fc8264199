/**
 * Identifier systems the register's tests use that the product never names: a Practitioner may
 * carry an SDS user id beside the professional number the register requires.
 */
export const SDS_USER_ID_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
