/**
 * Dispensing messages for tests, demos and benchmarks, in the EPS shapes of test/fixtures/eps:
 * release Parameters, dispense-notification, return and withdraw Tasks, and the Claim.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type {
  Bundle,
  Claim,
  MedicationDispense,
  MedicationRequest,
  Parameters,
  Task,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../nhs/index.js';
import { PRESCRIPTION_ITEM_NUMBER, PRESCRIPTION_ORDER_NUMBER } from '../../prescribing/index.js';

function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/eps/${name}.json`, import.meta.url), 'utf8'),
  ) as T;
}

export function releaseParameters(pharmacy: string, shortFormId?: string): Parameters {
  const parameters = fixture<Parameters>(shortFormId ? 'release-by-id' : 'release-nominated');
  for (const parameter of parameters.parameter ?? []) {
    if (parameter.name === 'owner' && parameter.resource?.resourceType === 'Organization') {
      parameter.resource.identifier = [{ system: ODS_SYSTEM, value: pharmacy }];
    }
    if (parameter.name === 'group-identifier' && shortFormId) {
      parameter.valueIdentifier = { system: PRESCRIPTION_ORDER_NUMBER, value: shortFormId };
    }
  }
  return parameters;
}

export type LineType = '0001' | '0002' | '0003' | '0004' | '0005' | '0006' | '0007' | '0008';

export interface NotificationLine {
  itemId: string;
  type: LineType;
  quantity: number;
}

/** A dispense-notification for `shortFormId` with one MedicationDispense per line. */
export function dispenseNotification(
  shortFormId: string,
  pharmacy: string,
  lines: NotificationLine[],
  options: { id?: string; nhsNumber?: string } = {},
): Bundle {
  const bundle = fixture<Bundle>('dispense-notification');
  const entries = bundle.entry ?? [];
  const template = entries.find((entry) => entry.resource?.resourceType === 'MedicationDispense')!
    .resource as MedicationDispense;
  const others = entries.filter((entry) => entry.resource?.resourceType !== 'MedicationDispense');
  const dispenses = lines.map((line) => {
    const dispense = structuredClone(template);
    const id = randomUUID();
    dispense.identifier = [{ system: 'https://fhir.nhs.uk/Id/prescription-dispense-item-number', value: id }];
    dispense.type = {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/medicationdispense-type', code: line.type }],
    };
    dispense.quantity = { ...dispense.quantity, value: line.quantity };
    if (options.nhsNumber)
      dispense.subject = {
        identifier: { system: NHS_NUMBER_SYSTEM, value: options.nhsNumber },
      };
    dispense.contained = (dispense.contained ?? []).map((contained) => {
      if (contained.resourceType !== 'MedicationRequest') return contained;
      const request = structuredClone(contained) as MedicationRequest;
      request.identifier = [{ system: PRESCRIPTION_ITEM_NUMBER, value: line.itemId }];
      request.groupIdentifier = {
        ...request.groupIdentifier,
        system: PRESCRIPTION_ORDER_NUMBER,
        value: shortFormId,
      };
      return request;
    });
    return { fullUrl: `urn:uuid:${id}`, resource: dispense };
  });
  for (const entry of others) {
    if (entry.resource?.resourceType === 'MessageHeader') {
      entry.resource.sender = { identifier: { system: ODS_SYSTEM, value: pharmacy } };
      entry.resource.focus = dispenses.map((dispense) => ({ reference: dispense.fullUrl }));
    }
  }
  bundle.id = randomUUID();
  bundle.identifier = { system: 'https://tools.ietf.org/html/rfc4122', value: options.id ?? randomUUID() };
  bundle.entry = [others[0]!, ...dispenses, ...others.slice(1)];
  return bundle;
}

function task(name: 'return' | 'withdraw', shortFormId: string, pharmacy: string): Task {
  const resource = fixture<Task>(name);
  resource.identifier = [{ system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() }];
  resource.groupIdentifier = { system: PRESCRIPTION_ORDER_NUMBER, value: shortFormId };
  if (name === 'withdraw') resource.owner = { identifier: { system: ODS_SYSTEM, value: pharmacy } };
  return resource;
}

export const returnTask = (shortFormId: string, pharmacy: string) => task('return', shortFormId, pharmacy);
export const withdrawTask = (shortFormId: string, pharmacy: string) =>
  task('withdraw', shortFormId, pharmacy);

export function claim(shortFormId: string, options: { endorsed?: boolean } = {}): Claim {
  const resource = fixture<Claim>('claim');
  resource.identifier = [{ system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() }];
  for (const extension of resource.prescription?.extension ?? []) {
    for (const part of extension.extension ?? []) {
      if (part.url === 'shortForm')
        part.valueIdentifier = { system: PRESCRIPTION_ORDER_NUMBER, value: shortFormId };
    }
  }
  if (options.endorsed === false) {
    for (const item of resource.item ?? []) {
      for (const detail of item.detail ?? []) {
        detail.programCode = (detail.programCode ?? []).filter(
          (code) =>
            !code.coding?.some(
              (coding) => coding.system === 'https://fhir.nhs.uk/CodeSystem/medicationdispense-endorsement',
            ),
        );
      }
    }
  }
  return resource;
}

/** The PSU API's example Task, with our identifiers. */
export function statusUpdate(input: {
  shortFormId: string;
  itemId: string;
  pharmacy: string;
  status: string;
  lastModified?: string;
  id?: string;
}): Task {
  return {
    resourceType: 'Task',
    identifier: [{ system: 'https://tools.ietf.org/html/rfc4122', value: input.id ?? randomUUID() }],
    status: input.status === 'Collected' || input.status === 'Not Dispensed' ? 'completed' : 'in-progress',
    intent: 'order',
    basedOn: [
      {
        identifier: { system: PRESCRIPTION_ORDER_NUMBER, value: input.shortFormId },
      },
    ],
    focus: {
      identifier: { system: PRESCRIPTION_ITEM_NUMBER, value: input.itemId },
    },
    for: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9449304130' } },
    businessStatus: {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/task-businessStatus-nppt', code: input.status }],
    },
    owner: { identifier: { system: ODS_SYSTEM, value: input.pharmacy } },
    lastModified: input.lastModified ?? new Date().toISOString(),
  };
}
