/**
 * How an account appears in the audit trail: by the FHIR resource it acts as when linked, else by
 * its opaque id; never by username (personal data) and never with anything secret.
 */
import type { AuditInput } from '../../platform/audit/index.js';
import type { Account } from './store.js';

export function accountAgent(
  account: Pick<Account, 'id' | 'role' | 'fhirUser' | 'org'>,
  ip?: string,
): AuditInput['agent'] {
  return {
    ...(account.fhirUser ? { reference: account.fhirUser } : { display: `account:${account.id}` }),
    roles: [account.role],
    ...(account.org ? { org: account.org } : {}),
    ...(ip ? { ip } : {}),
  };
}

/** The account as the entity acted on (service desk): its fhirUser, when there is one. */
export function accountEntity(account: Pick<Account, 'fhirUser'>): Pick<AuditInput, 'entity'> {
  return account.fhirUser ? { entity: { reference: account.fhirUser } } : {};
}
