/** The service identity provides to other capabilities, by typed key. */
import { defineService } from '../platform/capability.js';
import type { Queryable } from '../platform/database/database.js';

/** Portal accounts and their sessions follow a merged patient record (HAZ-MERGE). */
export interface PortalAccountsService {
  followMerge(tx: Queryable, merge: { retired: string; survivor: string }): Promise<void>;
}

export const PORTAL_ACCOUNTS_SERVICE = defineService<PortalAccountsService>('portal-accounts');
