/**
 * ORM^O01 and OML^O21 → ServiceRequest, one per ORC (with its OBR), keyed by the placer order
 * number. ORC-1 (order control) and ORC-5 (order status) give its status.
 */
import type { ServiceRequest } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../adt/patient-mapping.js';
import { upsertPatient } from '../adt/patient-store.js';
import type { HandlerContext, MessageHandler } from '../handler.js';
import { findByIdentifier, isStale, lockKey, writeResource } from '../inbox/resource-writer.js';
import { codeableConcept } from '../message/coded.js';
import { readersInOrder, type SegmentReader } from '../message/fields.js';
import { CONDITION, contentError } from '../message/hl7-error.js';
import { hl7Instant } from '../message/hl7-time.js';

const BY_CONTROL: Record<string, ServiceRequest['status']> = {
  NW: 'active',
  OK: 'active',
  XO: 'active',
  RL: 'active',
  SC: 'active',
  CA: 'revoked',
  OC: 'revoked',
  CR: 'revoked',
  DC: 'revoked',
  OD: 'revoked',
  HD: 'on-hold',
  OH: 'on-hold',
};

const BY_ORDER_STATUS: Record<string, ServiceRequest['status']> = {
  CM: 'completed',
  CA: 'revoked',
  DC: 'revoked',
  HD: 'on-hold',
  IP: 'active',
  SC: 'active',
};

interface OrderGroup {
  orc: SegmentReader;
  obr: SegmentReader | undefined;
}

function orderGroups(readers: SegmentReader[]): OrderGroup[] {
  const groups: OrderGroup[] = [];
  for (const reader of readers) {
    if (reader.name === 'ORC') groups.push({ orc: reader, obr: undefined });
    else if (reader.name === 'OBR' && groups.length && !groups.at(-1)!.obr) groups.at(-1)!.obr = reader;
  }
  return groups;
}

export function serviceRequestOf(
  group: OrderGroup,
  context: { patient: string; facility: string; odsCode: string | undefined },
): ServiceRequest {
  const { orc, obr } = group;
  const placer = orc.repetitions(2)[0] ?? obr?.repetitions(2)[0];
  const value = placer?.component(1);
  if (!placer || !value)
    throw contentError('ORC-2 (placer order number) is empty', {
      segment: 'ORC',
      sequence: orc.sequence,
      field: 2,
    });
  const control = orc.text(1).toUpperCase();
  const orderStatus = orc.text(5).toUpperCase();
  const status = BY_ORDER_STATUS[orderStatus] ?? BY_CONTROL[control];
  if (!status) {
    throw contentError(
      `ORC-1 order control ${control || '(empty)'} is not handled`,
      { segment: 'ORC', sequence: orc.sequence, field: 1 },
      CONDITION.tableValueNotFound,
    );
  }
  const code = codeableConcept(obr?.repetitions(4)[0]);
  const authoredOn = hl7Instant(orc.text(9));
  const orderer = [orc.text(12, 6), orc.text(12, 3), orc.text(12, 2)].filter(Boolean).join(' ');
  return {
    resourceType: 'ServiceRequest',
    identifier: [
      {
        system: `urn:hl7-placer-order:${encodeURIComponent(placer.component(2) || context.facility)}`,
        value,
      },
    ],
    status,
    intent: 'order',
    ...(code ? { code } : {}),
    subject: { reference: context.patient },
    ...(authoredOn ? { authoredOn } : {}),
    requester: {
      ...(context.odsCode ? { identifier: { system: ODS_SYSTEM, value: context.odsCode } } : {}),
      display: orderer || context.facility,
    },
  };
}

export const orderHandler = (messageType: 'ORM' | 'OML', trigger: string): MessageHandler => ({
  messageType,
  triggers: new Set([trigger]),
  async apply(context: HandlerContext) {
    const { parsed, tx } = context;
    const patient = await upsertPatient(context, { demographics: false });
    const groups = orderGroups(readersInOrder(parsed.message.segments, parsed.delimiters));
    if (groups.length === 0) throw contentError('The message has no ORC segment', { segment: 'ORC' });
    for (const group of groups) {
      const request = serviceRequestOf(group, {
        patient: `Patient/${patient.id}`,
        facility: context.facility,
        odsCode: context.odsCode,
      });
      const key = request.identifier![0]!;
      await lockKey(tx, `${key.system}|${key.value}`);
      const stored = await findByIdentifier<ServiceRequest>(tx, 'ServiceRequest', key.system!, key.value!);
      if (stored?.id && (await isStale(tx, `ServiceRequest/${stored.id}`, context.eventTime))) continue;
      if (stored?.id) {
        request.id = stored.id;
        request.code ??= stored.code;
      }
      await writeResource(context, request);
    }
  },
});
