/**
 * Prescriber–dispenser messaging (docs/api.md §9), pure rules: a Communication is about one
 * prescription (its short-form ID), goes from the caller's organisation to the other party of
 * that prescription (an Organization by ODS code, or the prescribing Practitioner), and is never
 * shown to patients.
 */
import type { Communication } from '@medplum/fhirtypes';
import { forbidden, invalid, missing } from '../../platform/errors/problem.js';
import { ODS_CODE, ODS_SYSTEM, PRESCRIPTION_ORDER_NUMBER } from '../../prescribing/index.js';

export interface Party {
  prescriberOrg: string;
  prescriber: string;
  dispenser: string | undefined;
  nominatedPharmacy: string | undefined;
}

export function aboutPrescription(communication: Communication): string {
  const identifier = communication.about?.find(
    (about) => about.identifier?.system === PRESCRIPTION_ORDER_NUMBER,
  )?.identifier;
  if (!identifier?.value) {
    throw missing(
      `Communication.about must name the prescription (identifier in ${PRESCRIPTION_ORDER_NUMBER})`,
      'Communication.about',
    );
  }
  return identifier.value;
}

/** Who may take part: the prescribing organisation and the pharmacy holding (or nominated for) it. */
export function partiesOf(party: Party): Set<string> {
  return new Set(
    [party.prescriberOrg, party.dispenser, party.nominatedPharmacy].filter((ods): ods is string => !!ods),
  );
}

export function checkCommunication(
  communication: Communication,
  party: Party,
  senderOrg: string,
): Communication {
  const parties = partiesOf(party);
  if (!parties.has(senderOrg))
    throw forbidden('Only the prescriber and the dispenser of a prescription can write about it');
  const sender = communication.sender?.identifier;
  if (sender && (sender.system !== ODS_SYSTEM || sender.value !== senderOrg)) {
    throw forbidden("Communication.sender must be the caller's organisation");
  }
  const recipients = communication.recipient ?? [];
  if (recipients.length === 0)
    throw missing('Communication.recipient is required', 'Communication.recipient');
  recipients.forEach((recipient, index) => {
    const where = `Communication.recipient[${index}]`;
    if (recipient.reference) {
      if (recipient.reference !== party.prescriber)
        throw invalid('A Practitioner recipient must be the prescriber of the prescription', where);
      return;
    }
    const ods = recipient.identifier?.system === ODS_SYSTEM ? recipient.identifier.value : undefined;
    if (!ods || !ODS_CODE.test(ods))
      throw invalid('A recipient is an Organization by ODS code or the prescribing Practitioner', where);
    if (!parties.has(ods) || ods === senderOrg)
      throw invalid(`${ods} is not the other party of this prescription`, where);
  });
  if (!communication.payload?.length)
    throw missing('Communication.payload (the message) is required', 'Communication.payload');
  return communication;
}

/** May this caller (organisation, and practitioner) read this stored Communication? */
export function mayRead(communication: Communication, caller: { org?: string; fhirUser?: string }): boolean {
  const orgs = [
    communication.sender?.identifier,
    ...(communication.recipient ?? []).map((recipient) => recipient.identifier),
  ]
    .filter((identifier) => identifier?.system === ODS_SYSTEM)
    .map((identifier) => identifier!.value);
  if (caller.org && orgs.includes(caller.org)) return true;
  return (
    !!caller.fhirUser &&
    (communication.recipient ?? []).some((recipient) => recipient.reference === caller.fhirUser)
  );
}
