/** POST/PUT /Practitioner with the register's rules (docs/api.md §4). */
import type { Practitioner } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { type RegisterDeps, registerWrites, type WriteRules } from '../fhir-writes.js';
import { professionalNumbers } from './rules.js';
import { claimProfessionalNumbers } from './uniqueness.js';

export const practitionerRules: WriteRules<Practitioner> = {
  type: 'Practitioner',
  check(practitioner) {
    professionalNumbers(practitioner);
  },
  async checkInTransaction(tx, practitioner, id) {
    await claimProfessionalNumbers(tx, id, practitioner);
  },
};

export function practitionerRoutes(scope: FastifyInstance, deps: RegisterDeps): void {
  registerWrites(scope, deps, practitionerRules);
}
