/** Reads the patient a notification is for from the FHIR store, following merges to the surviving record. */
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../platform/database/database.js';
import { readCurrent } from '../platform/fhir/store/repository.js';
import { type ContactDetails, contactDetailsOf } from './contacts.js';

const MAX_MERGE_HOPS = 5;

export type Recipient = { patient: string; contacts: ContactDetails } | { unreachable: string };

export async function lookUpRecipient(q: Queryable, patient: string, now: Date): Promise<Recipient> {
  let reference = patient;
  for (let hop = 0; hop <= MAX_MERGE_HOPS; hop++) {
    const stored = await readCurrent(q, 'Patient', reference.slice('Patient/'.length));
    if (!stored || stored.deleted) {
      return {
        unreachable:
          hop === 0 ? 'the patient record was not found' : 'the record it was merged into was not found',
      };
    }
    const found = contactDetailsOf(JSON.parse(stored.content) as Patient, now);
    if ('replacedBy' in found) {
      reference = found.replacedBy;
      continue;
    }
    if ('unreachable' in found) return found;
    return { patient: reference, contacts: found.contacts };
  }
  return { unreachable: 'the patient record is merged more times than can be followed' };
}
