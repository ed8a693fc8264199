/**
 * Finding things inside an EPS message Bundle (pure): entries by type, references resolved to
 * entries by fullUrl, the MessageHeader's event code.
 */
import type { Bundle, BundleEntry, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { optionalObjectAt, optionalStringAt } from '../../platform/fhir/json-shape.js';

export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const PRESCRIPTION_ORDER_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-number';
export const PRESCRIPTION_ITEM_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-item-number';
export const PRESCRIPTION_ID_EXTENSION =
  'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId';
export const MESSAGE_EVENT_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/message-event';

/** ODS organisation codes: 3 to 10 upper-case letters and digits (e.g. A83008, FCG71, RR8). */
export const ODS_CODE = /^[A-Z0-9]{3,10}$/;

export interface Located<T extends Resource> {
  index: number;
  fullUrl: string | undefined;
  resource: T;
}

export function assertMessageBundle(input: unknown): Bundle {
  if (!input || typeof input !== 'object' || (input as Resource).resourceType !== 'Bundle') {
    throw invalid('$process-message needs a FHIR Bundle of type "message"', 'Bundle');
  }
  const bundle = input as Bundle;
  if (bundle.type !== 'message') throw invalid('The Bundle must be of type "message"', 'Bundle.type');
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) {
    throw missing('The message Bundle has no entries', 'Bundle.entry');
  }
  return bundle;
}

/** The MessageHeader (first entry, as FHIR messaging requires) and its event code. */
export function messageEvent(bundle: Bundle): string {
  const header = bundle.entry?.[0]?.resource;
  if (header?.resourceType !== 'MessageHeader') {
    throw invalid(
      'The first entry of a message Bundle must be its MessageHeader',
      'Bundle.entry[0].resource',
    );
  }
  // Read before the message is validated (the event decides who may send it): shapes checked here.
  const coding = optionalObjectAt(header.eventCoding, 'MessageHeader.eventCoding');
  const code = optionalStringAt(coding?.code, 'MessageHeader.eventCoding.code');
  if (!code) throw missing('MessageHeader.eventCoding.code is required', 'MessageHeader.eventCoding');
  if (coding?.system !== undefined && coding.system !== MESSAGE_EVENT_SYSTEM) {
    throw invalid(
      `MessageHeader.eventCoding.system must be ${MESSAGE_EVENT_SYSTEM}`,
      'MessageHeader.eventCoding.system',
    );
  }
  return code;
}

export function entriesOf<T extends Resource>(bundle: Bundle, type: T['resourceType']): Located<T>[] {
  const found: Located<T>[] = [];
  (bundle.entry ?? []).forEach((entry: BundleEntry, index) => {
    if (entry?.resource?.resourceType === type) {
      found.push({ index, fullUrl: entry.fullUrl, resource: entry.resource as T });
    }
  });
  return found;
}

/** The entry a reference points at (by fullUrl, or `Type/id` against the entries' ids). */
export function resolve<T extends Resource>(
  bundle: Bundle,
  reference: Reference | undefined,
  type: T['resourceType'],
): Located<T> | undefined {
  const target = reference?.reference;
  if (!target) return undefined;
  let found: Located<T> | undefined;
  (bundle.entry ?? []).forEach((entry, index) => {
    const resource = entry?.resource;
    if (found || resource?.resourceType !== type) return;
    if (entry.fullUrl === target || (resource.id && `${type}/${resource.id}` === target)) {
      found = { index, fullUrl: entry.fullUrl, resource: resource as T };
    }
  });
  return found;
}

export function identifierValue(identifiers: Identifier[] | undefined, system: string): string | undefined {
  return identifiers?.find((identifier) => identifier.system === system)?.value;
}

/** The one entry of a type the message must carry, or a Problem naming it. */
export function single<T extends Resource>(bundle: Bundle, type: T['resourceType']): Located<T> {
  const found = entriesOf<T>(bundle, type);
  if (found.length === 0)
    throw missing(`The message has no ${type}`, `Bundle.entry.resource.ofType(${type})`);
  if (found.length > 1) {
    throw new Problem('INVALID_VALUE', `The message has ${found.length} ${type} entries; one is expected`, {
      expression: `Bundle.entry.resource.ofType(${type})`,
    });
  }
  return found[0]!;
}

/** FHIRPath for an element of the entry at `index`. */
export function at(index: number, type: string, path = ''): string {
  return `Bundle.entry[${index}].resource.ofType(${type})${path ? `.${path}` : ''}`;
}
