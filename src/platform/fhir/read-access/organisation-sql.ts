/**
 * SQL building blocks for relationships that go through an organisation reference: "this
 * reference names the organisation with ODS code X" — by identifier, or a stored Organization
 * carrying that identifier — and "…or a Location, HealthcareService or PractitionerRole of it".
 * `alias` is a `search_reference` row; `org` the bind placeholder of the ODS code.
 */
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** Aliases are spliced into SQL: only plain identifiers are accepted. */
function checked(alias: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(alias)) throw new Error(`not a SQL alias: ${alias}`);
  return alias;
}

export function referencesOrganisation(alias: string, org: string): string {
  const a = checked(alias);
  return (
    `((${a}.identifier_system = '${ODS_SYSTEM}' AND ${a}.identifier_value = ${org})` +
    ` OR (${a}.target_type = 'Organization' AND EXISTS (SELECT 1 FROM search_token ${a}_ods` +
    ` WHERE ${a}_ods.resource_type = 'Organization' AND ${a}_ods.id = ${a}.target_id` +
    ` AND ${a}_ods.param = 'identifier' AND ${a}_ods.system = '${ODS_SYSTEM}' AND ${a}_ods.value = ${org})))`
  );
}

/** The organisation itself, or one of its locations, services or practitioner roles. */
export function referencesPartOfOrganisation(alias: string, org: string): string {
  const a = checked(alias);
  return (
    `(${referencesOrganisation(a, org)}` +
    ` OR (${a}.target_type IN ('Location', 'HealthcareService', 'PractitionerRole')` +
    ` AND EXISTS (SELECT 1 FROM search_reference ${a}_unit WHERE ${a}_unit.resource_type = ${a}.target_type` +
    ` AND ${a}_unit.id = ${a}.target_id AND ${a}_unit.param = 'organization'` +
    ` AND ${referencesOrganisation(`${a}_unit`, org)})))`
  );
}
