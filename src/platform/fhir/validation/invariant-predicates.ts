/**
 * Hand-written equivalents of the R4 invariants met on the resources this server handles, keyed
 * by their exact FHIRPath text (so a predicate can never be applied to a constraint it was not
 * written for). Through @medplum/core's FHIRPath engine even `code.empty() or system.exists()`
 * costs 10–30 µs; together they cost more than the rest of validation. Constraints not listed
 * here still run through FHIRPath (see invariants.ts).
 *
 * `exists()` counts a primitive present with only its extension (`_start`); `hasValue()` does not.
 * Arrays are known to be non-empty: invariants run only on structurally valid objects.
 */
import { compareDateTimes, compareQuantities, sameJson } from './comparisons.js';
import type { InvariantScope } from './invariants.js';
import { isRecord } from './primitives.js';

type Json = Record<string, unknown>;
type Predicate = (scope: InvariantScope) => boolean;

const UCUM = 'http://unitsofmeasure.org';

const exists = (object: Json, key: string): boolean =>
  object[key] !== undefined || object[`_${key}`] !== undefined;
const empty = (object: Json, key: string): boolean => !exists(object, key);
const hasValue = (object: Json, key: string): boolean => object[key] !== undefined && object[key] !== null;
const record = (value: unknown): Json | undefined => (isRecord(value) ? value : undefined);
const records = (value: unknown): Json[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(isRecord);

/** A choice element (`value[x]`) is present under any `value<Type>` key. */
function choiceExists(object: Json, name: string): boolean {
  for (const key in object) {
    const rest = key.startsWith('_') ? key.slice(1) : key;
    if (rest.length > name.length && rest.startsWith(name) && /[A-Z]/.test(rest.charAt(name.length)))
      return true;
  }
  return false;
}

/** `a <op> b` for dates; incomparable or missing values let the invariant hold. */
function datesInOrder(object: Json, earlier: string, later: string): boolean {
  const a = object[earlier];
  const b = object[later];
  if (typeof a !== 'string' || typeof b !== 'string') return true;
  const order = compareDateTimes(a, b);
  return order === undefined || order <= 0;
}

const notNegative = (value: unknown): boolean => typeof value !== 'number' || value >= 0;

const noScopeCodeWithoutPatient =
  (code: string): Predicate =>
  ({ value }) =>
    exists(value, 'patient') ||
    !records(record(value['scope'])?.['coding']).some(
      (c) => c['system'] === 'something' && c['code'] === code,
    );

const bundleEntriesHave =
  (element: string, types: readonly string[]): Predicate =>
  ({ value }) => {
    const expected = types.includes(String(value['type']));
    return records(value['entry']).every((entry) => exists(entry, element) === expected);
  };

const firstEntryIs =
  (bundleType: string, resourceType: string): Predicate =>
  ({ value }) =>
    value['type'] !== bundleType ||
    record(records(value['entry'])[0]?.['resource'])?.['resourceType'] === resourceType;

export const PREDICATES_BY_EXPRESSION: Readonly<Record<string, Predicate>> = {
  // Extension, Reference, DomainResource: on almost every element.
  'extension.exists() != value.exists()': ({ value }) =>
    exists(value, 'extension') !== choiceExists(value, 'value'),
  "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))":
    ({ value, rootResource }) => {
      const reference = value['reference'];
      if (typeof reference !== 'string' || !reference.startsWith('#')) return true;
      // '#' alone points at the container itself (R4 3.2.0.2.1), which the FHIRPath text misses.
      const id = reference.slice(1);
      return id === '' || records(rootResource['contained']).some((contained) => contained['id'] === id);
    },
  'contained.contained.empty()': ({ value }) =>
    records(value['contained']).every((c) => empty(c, 'contained')),
  'contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()': ({ value }) =>
    records(value['contained']).every((c) => {
      const meta = record(c['meta']) ?? {};
      return empty(meta, 'versionId') && empty(meta, 'lastUpdated');
    }),
  'contained.meta.security.empty()': ({ value }) =>
    records(value['contained']).every((c) => empty(record(c['meta']) ?? {}, 'security')),

  // Data types.
  'start.hasValue().not() or end.hasValue().not() or (start <= end)': ({ value }) =>
    datesInOrder(value, 'start', 'end'),
  '(code.exists() or value.empty()) and (system.empty() or system = %ucum) and (value.empty() or value.hasValue().not() or value > 0)':
    ({ value }) =>
      (exists(value, 'code') || empty(value, 'value')) &&
      (empty(value, 'system') || value['system'] === UCUM) &&
      (typeof value['value'] !== 'number' || value['value'] > 0),
  'code.empty() or system.exists()': ({ value }) => empty(value, 'code') || exists(value, 'system'),
  // grp-1 (Group, for Bulk Data Group exports): only an actual group lists members.
  'member.empty() or (actual = true)': ({ value }) => empty(value, 'member') || value.actual === true,
  'data.empty() or contentType.exists()': ({ value }) => empty(value, 'data') || exists(value, 'contentType'),
  'value.empty() or system.exists()': ({ value }) => empty(value, 'value') || exists(value, 'system'),
  "(code.exists() or value.empty()) and (system.empty() or system = %ucum) and (code.empty() or code = '1') and (value.empty() or value.hasValue().not() or value.toString().contains('.').not())":
    ({ value }) =>
      (exists(value, 'code') || empty(value, 'value')) &&
      (empty(value, 'system') || value['system'] === UCUM) &&
      (empty(value, 'code') || value['code'] === '1') &&
      (typeof value['value'] !== 'number' || Number.isInteger(value['value'])),
  '(code.exists() or value.empty()) and (system.empty() or system = %ucum)': ({ value }) =>
    (exists(value, 'code') || empty(value, 'value')) && (empty(value, 'system') || value['system'] === UCUM),
  'code.exists() implies ((system = %ucum) and value.exists())': ({ value }) =>
    empty(value, 'code') || (value['system'] === UCUM && exists(value, 'value')),
  'low.empty() or high.empty() or (low <= high)': ({ value }) => {
    const low = record(value['low']);
    const high = record(value['high']);
    const order = low && high ? compareQuantities(low, high) : undefined;
    return order === undefined || order <= 0;
  },
  '(numerator.empty() xor denominator.exists()) and (numerator.exists() or extension.exists())': ({
    value,
  }) =>
    empty(value, 'numerator') !== exists(value, 'denominator') &&
    (exists(value, 'numerator') || exists(value, 'extension')),
  'duration.empty() or durationUnit.exists()': ({ value }) =>
    empty(value, 'duration') || exists(value, 'durationUnit'),
  'period.empty() or periodUnit.exists()': ({ value }) =>
    empty(value, 'period') || exists(value, 'periodUnit'),
  'duration.exists() implies duration >= 0': ({ value }) => notNegative(value['duration']),
  'period.exists() implies period >= 0': ({ value }) => notNegative(value['period']),
  'periodMax.empty() or period.exists()': ({ value }) => empty(value, 'periodMax') || exists(value, 'period'),
  'durationMax.empty() or duration.exists()': ({ value }) =>
    empty(value, 'durationMax') || exists(value, 'duration'),
  'countMax.empty() or count.exists()': ({ value }) => empty(value, 'countMax') || exists(value, 'count'),
  "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())": ({
    value,
  }) => {
    if (empty(value, 'offset')) return true;
    const when = value['when'];
    return (
      Array.isArray(when) && when.length > 0 && !when.some((code) => ['C', 'CM', 'CD', 'CV'].includes(code))
    );
  },
  'timeOfDay.empty() or when.empty()': ({ value }) => empty(value, 'timeOfDay') || empty(value, 'when'),
  'path.exists() xor searchParam.exists()': ({ value }) =>
    exists(value, 'path') !== exists(value, 'searchParam'),
  // ServiceRequest prr-1
  'orderDetail.empty() or code.exists()': ({ value }) => empty(value, 'orderDetail') || exists(value, 'code'),
  'expression.exists() or reference.exists()': ({ value }) =>
    exists(value, 'expression') || exists(value, 'reference'),
  'data.empty() or timing.empty()': ({ value }) => empty(value, 'data') || !choiceExists(value, 'timing'),
  'condition.exists() implies data.exists()': ({ value }) =>
    empty(value, 'condition') || exists(value, 'data'),
  "(type = 'named-event' implies name.exists()) and (type = 'periodic' implies timing.exists()) and (type.startsWith('data-') implies data.exists())":
    ({ value }) => {
      const type = typeof value['type'] === 'string' ? value['type'] : '';
      return (
        (type !== 'named-event' || exists(value, 'name')) &&
        (type !== 'periodic' || choiceExists(value, 'timing')) &&
        (!type.startsWith('data-') || exists(value, 'data'))
      );
    },

  // Resources and their backbone elements.
  'name.exists() or telecom.exists() or address.exists() or organization.exists()': ({ value }) =>
    ['name', 'telecom', 'address', 'organization'].some((key) => exists(value, key)),
  '(identifier.count() + name.count()) > 0': ({ value }) =>
    exists(value, 'identifier') || exists(value, 'name'),
  "where(use = 'home').empty()": ({ value }) => value['use'] !== 'home',
  'whenHandedOver.empty() or whenPrepared.empty() or whenHandedOver >= whenPrepared': ({ value }) =>
    datesInOrder(value, 'whenPrepared', 'whenHandedOver'),
  'lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn': ({ value }) =>
    datesInOrder(value, 'authoredOn', 'lastModified'),
  'start.exists() = end.exists()': ({ value }) => exists(value, 'start') === exists(value, 'end'),
  "(start.exists() and end.exists()) or (status in ('proposed' | 'cancelled' | 'waitlist'))": ({ value }) =>
    (exists(value, 'start') && exists(value, 'end')) ||
    ['proposed', 'cancelled', 'waitlist'].includes(String(value['status'])),
  "Appointment.cancelationReason.exists() implies (Appointment.status='noshow' or Appointment.status='cancelled')":
    ({ value }) =>
      empty(value, 'cancelationReason') || value['status'] === 'noshow' || value['status'] === 'cancelled',
  'type.exists() or actor.exists()': ({ value }) => exists(value, 'type') || exists(value, 'actor'),
  'dataAbsentReason.empty() or value.empty()': ({ value }) =>
    empty(value, 'dataAbsentReason') || !choiceExists(value, 'value'),
  'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()': ({
    value,
  }) => {
    if (!choiceExists(value, 'value')) return true;
    const codings = records(record(value['code'])?.['coding']);
    return !records(value['component']).some((component) =>
      records(record(component['code'])?.['coding']).some((coding) =>
        codings.some((own) => sameJson(own, coding)),
      ),
    );
  },
  'low.exists() or high.exists() or text.exists()': ({ value }) =>
    exists(value, 'low') || exists(value, 'high') || exists(value, 'text'),
  'policy.exists() or policyRule.exists()': ({ value }) =>
    exists(value, 'policy') || exists(value, 'policyRule'),
  "patient.exists() or scope.coding.where(system='something' and code='patient-privacy').exists().not()":
    noScopeCodeWithoutPatient('patient-privacy'),
  "patient.exists() or scope.coding.where(system='something' and code='research').exists().not()":
    noScopeCodeWithoutPatient('research'),
  "patient.exists() or scope.coding.where(system='something' and code='adr').exists().not()":
    noScopeCodeWithoutPatient('adr'),
  "patient.exists() or scope.coding.where(system='something' and code='treatment').exists().not()":
    noScopeCodeWithoutPatient('treatment'),
  "total.empty() or (type = 'searchset') or (type = 'history')": ({ value }) =>
    empty(value, 'total') || value['type'] === 'searchset' || value['type'] === 'history',
  "entry.search.empty() or (type = 'searchset')": ({ value }) =>
    value['type'] === 'searchset' || records(value['entry']).every((entry) => empty(entry, 'search')),
  "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))":
    bundleEntriesHave('request', ['batch', 'transaction', 'history']),
  "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))":
    bundleEntriesHave('response', ['batch-response', 'transaction-response', 'history']),
  "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()":
    ({ value }) => {
      if (value['type'] === 'history') return true;
      const keys = records(value['entry'])
        .filter((entry) => typeof entry['fullUrl'] === 'string')
        .map(
          (entry) =>
            `${entry['fullUrl']}|${record(record(entry['resource'])?.['meta'])?.['versionId'] ?? ''}`,
        );
      return new Set(keys).size === keys.length;
    },
  "type = 'document' implies (identifier.system.exists() and identifier.value.exists())": ({ value }) => {
    const identifier = record(value['identifier']) ?? {};
    return value['type'] !== 'document' || (exists(identifier, 'system') && exists(identifier, 'value'));
  },
  "type = 'document' implies (timestamp.hasValue())": ({ value }) =>
    value['type'] !== 'document' || hasValue(value, 'timestamp'),
  "type = 'document' implies entry.first().resource.is(Composition)": firstEntryIs('document', 'Composition'),
  "type = 'message' implies entry.first().resource.is(MessageHeader)": firstEntryIs(
    'message',
    'MessageHeader',
  ),
  'resource.exists() or request.exists() or response.exists()': ({ value }) =>
    exists(value, 'resource') || exists(value, 'request') || exists(value, 'response'),
  "fullUrl.exists() implies fullUrl.contains('/_history/').not()": ({ value }) =>
    typeof value['fullUrl'] !== 'string' || !value['fullUrl'].includes('/_history/'),
  '(part.exists() and value.empty() and resource.empty()) or (part.empty() and (value.exists() xor resource.exists()))':
    ({ value }) => {
      const hasPart = exists(value, 'part');
      const hasValueX = choiceExists(value, 'value');
      const hasResource = exists(value, 'resource');
      return (hasPart && !hasValueX && !hasResource) || (!hasPart && hasValueX !== hasResource);
    },
};
