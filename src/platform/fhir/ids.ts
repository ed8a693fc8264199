/**
 * FHIR ids and literal references, as patterns (R4 `id`: 1–64 of [A-Za-z0-9\-.]), in one place
 * so every check of an id or a `Type/id` reference accepts exactly the same strings.
 */
const ID = '[A-Za-z0-9\\-.]{1,64}';

/** A FHIR resource id. */
export const FHIR_ID = new RegExp(`^${ID}$`);

/** A literal relative reference `Type/id`. */
export const LITERAL_REFERENCE = new RegExp(`^[A-Z][A-Za-z]{1,63}/${ID}$`);

/** `Patient/<id>`. */
export const PATIENT_REFERENCE = new RegExp(`^Patient/${ID}$`);

/** `<type>/<id>` for one type, capturing the id (e.g. `referencePattern('Slot')`). */
export function referencePattern(type: string): RegExp {
  return new RegExp(`^${type}/(${ID})$`);
}

/** The id a `<type>/<id>` reference names, or undefined when it is not one. */
export function idOfReference(reference: string | undefined, type: string): string | undefined {
  return referencePattern(type).exec(reference ?? '')?.[1];
}
