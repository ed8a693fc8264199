/**
 * What follows a merged record (HAZ-MERGE) beyond its FHIR compartment: the capabilities that keep
 * their own rows per patient (portal accounts and their sessions, result releases, notification
 * preferences) offer `followMerge` on their named service. The merge calls each in its own
 * transaction, so when the merge commits nothing of the retired record's portal life is left
 * behind, and a failure in any of them leaves the merge unapplied (AE, a dead letter to re-drive).
 */
import type { ServiceRegistry } from '../../platform/capability.js';
import type { Queryable } from '../../platform/database/database.js';

export interface PatientMerge {
  /** `Patient/<id>` of the retired record and of the survivor. */
  retired: string;
  survivor: string;
}

export interface MergeFollower {
  followMerge(tx: Queryable, merge: PatientMerge): Promise<void>;
}

/** The services that follow a merge, in the order they are told. */
export const MERGE_FOLLOWER_SERVICES = ['portal-accounts', 'result-releases', 'notification-preferences'];

/** The followers among the services provided (a deployment without the portal has none of its). */
export function mergeFollowersOf(services: ServiceRegistry): MergeFollower[] {
  return MERGE_FOLLOWER_SERVICES.filter((name) => services.has(name))
    .map((name) => services.get<Partial<MergeFollower>>(name))
    .filter((service): service is MergeFollower => typeof service.followMerge === 'function');
}
