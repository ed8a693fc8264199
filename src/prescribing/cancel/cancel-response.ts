/**
 * The response to a prescription-order-update (docs/api.md §6), pure: a message Bundle echoing
 * the request's entries, each MedicationRequest carrying the EPS status-history extension with
 * its R-code.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, MedicationRequest, MessageHeader } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { MESSAGE_EVENT_SYSTEM } from '../order/bundle-entries.js';
import { CANCEL_CODES, type CancelCode } from '../status/state-machine.js';

export const STATUS_HISTORY_EXTENSION =
  'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionStatusHistory';
export const STATUS_HISTORY_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history';

export function cancelResponse(
  request: Bundle,
  outcomes: ReadonlyMap<number, CancelCode>,
  options: { at: Date; sender: string },
): Bundle {
  const entries: BundleEntry[] = (request.entry ?? []).map((entry, index) => {
    const resource = entry.resource;
    if (resource?.resourceType === 'MessageHeader')
      return { ...entry, resource: header(resource, request, options.sender) };
    if (resource?.resourceType !== 'MedicationRequest') return entry;
    const code = outcomes.get(index);
    if (!code) return entry;
    return { ...entry, resource: withStatus(resource, code, options.at) };
  });
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    identifier: { system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() },
    type: 'message',
    timestamp: options.at.toISOString(),
    entry: entries,
  };
}

function header(request: MessageHeader, bundle: Bundle, sender: string): MessageHeader {
  return {
    resourceType: 'MessageHeader',
    eventCoding: {
      system: MESSAGE_EVENT_SYSTEM,
      code: 'prescription-order-response',
      display: 'Prescription Order Response',
    },
    ...(request.sender
      ? { destination: [{ endpoint: request.source?.endpoint ?? 'urn:unknown', receiver: request.sender }] }
      : {}),
    sender: {
      identifier: { system: ODS_SYSTEM, value: sender },
      display: 'Pathways',
    },
    source: { name: 'Pathways', endpoint: 'urn:pathways:process-message' },
    response: { identifier: bundle.identifier?.value ?? bundle.id ?? 'unknown', code: 'ok' },
    ...(request.focus ? { focus: request.focus } : {}),
  };
}

export function withStatus(resource: MedicationRequest, code: CancelCode, at: Date): MedicationRequest {
  return {
    ...resource,
    extension: [
      ...(resource.extension ?? []).filter((extension) => extension.url !== STATUS_HISTORY_EXTENSION),
      {
        url: STATUS_HISTORY_EXTENSION,
        extension: [
          {
            url: 'status',
            valueCoding: { system: STATUS_HISTORY_SYSTEM, code, display: CANCEL_CODES[code] },
          },
          { url: 'statusDate', valueDateTime: at.toISOString() },
        ],
      },
    ],
  };
}
