/**
 * What follows a merged record (HAZ-MERGE) beyond its FHIR compartment: the capabilities that keep
 * their own rows per patient (portal accounts and their sessions, result releases, notification
 * preferences, the nominated pharmacy) offer `followMerge` on their named service. The merge calls
 * each in its own transaction, so when the merge commits nothing of the retired record's portal
 * life is left behind, and a failure in any of them leaves the merge unapplied (AE, a dead letter
 * to re-drive).
 */
import { PORTAL_ACCOUNTS_SERVICE } from '../../identity/index.js';
import { NOTIFICATION_PREFERENCES_SERVICE } from '../../notifications/index.js';
import type { ServiceRegistry } from '../../platform/capability.js';
import type { Queryable } from '../../platform/database/database.js';
import { NOMINATIONS_SERVICE, RESULT_RELEASES_SERVICE } from '../../portal/index.js';

export interface PatientMerge {
  /** `Patient/<id>` of the retired record and of the survivor. */
  retired: string;
  survivor: string;
}

export interface MergeFollower {
  followMerge(tx: Queryable, merge: PatientMerge): Promise<void>;
}

/** The followers among the services provided (a deployment without the portal has none of its). */
export function mergeFollowersOf(services: ServiceRegistry): MergeFollower[] {
  // In the order they are told.
  const followers = [
    services.has(PORTAL_ACCOUNTS_SERVICE) ? services.get(PORTAL_ACCOUNTS_SERVICE) : undefined,
    services.has(RESULT_RELEASES_SERVICE) ? services.get(RESULT_RELEASES_SERVICE) : undefined,
    services.has(NOTIFICATION_PREFERENCES_SERVICE)
      ? services.get(NOTIFICATION_PREFERENCES_SERVICE)
      : undefined,
    services.has(NOMINATIONS_SERVICE) ? services.get(NOMINATIONS_SERVICE) : undefined,
  ];
  return followers.filter((service): service is MergeFollower => service !== undefined);
}
