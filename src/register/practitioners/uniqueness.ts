/**
 * A professional number belongs to one Practitioner. Race-safe: inside the write's transaction a
 * lock is taken per number (in one order, so two writers cannot deadlock), and only then is the
 * search index asked who else holds it; a second registrar registering the same number at the
 * same moment waits for the first to commit and then sees its row.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { identifierPath, professionalNumbers } from './rules.js';

const NUMBER_LOCK_NAMESPACE = 7_301_070;

export async function claimProfessionalNumbers(
  tx: Queryable,
  practitionerId: string,
  practitioner: Pick<Practitioner, 'identifier'>,
): Promise<void> {
  const numbers = professionalNumbers(practitioner);
  for (const number of numbers) {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      NUMBER_LOCK_NAMESPACE,
      `${number.system}|${number.value}`,
    ]);
  }
  for (const number of numbers) {
    const holder = await tx.query<{ id: string }>(
      `SELECT id FROM search_token
       WHERE resource_type = 'Practitioner' AND param = 'identifier' AND value = $1 AND system = $2 AND id <> $3
       LIMIT 1`,
      [number.value, number.system, practitionerId],
    );
    const other = holder.rows[0]?.id;
    if (other !== undefined) {
      const short = number.system.split('/').pop();
      throw new Problem(
        'CONFLICT',
        `${short} ${number.value} is already registered to Practitioner/${other}; a professional number belongs to one Practitioner`,
        { expression: identifierPath(practitioner, number) },
      );
    }
  }
}
