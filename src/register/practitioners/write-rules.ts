/** How a Practitioner is written (docs/api.md §4): the register's rules, declared to the platform. */
import type { Practitioner } from '@medplum/fhirtypes';
import type { WriteRules } from '../../platform/fhir/write-rules.js';
import { REGISTRAR } from '../policies.js';
import { professionalNumbers } from './rules.js';
import { claimProfessionalNumbers } from './uniqueness.js';

export const practitionerRules: WriteRules<Practitioner> = {
  write: REGISTRAR,
  audit: 'always',
  inTransactionBundle: false,
  check(practitioner) {
    professionalNumbers(practitioner);
  },
  async beforeWrite(tx, { id, after }) {
    if (after) await claimProfessionalNumbers(tx, id, after);
    return undefined;
  },
};
