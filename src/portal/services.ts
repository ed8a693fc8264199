/** The services the portal provides to other capabilities, by typed key. */
import { defineService } from '../platform/capability.js';
import type { Queryable } from '../platform/database/database.js';
import type { RepeatRequestsService } from './repeat-requests/task-search.js';

/** What the portal tells the hospital feed about a report's release; releases follow a merge. */
export interface ResultReleasesService {
  releaseOf(q: Queryable, reportId: string): Promise<{ patient: string; visibleFrom: Date } | undefined>;
  followMerge(tx: Queryable, merge: { retired: string; survivor: string }): Promise<void>;
}

/** The patient's nominated pharmacy follows a merge to the survivor, unless it has its own. */
export interface NominationsService {
  followMerge(tx: Queryable, merge: { retired: string; survivor: string }): Promise<void>;
}

export const REPEAT_REQUESTS_SERVICE = defineService<RepeatRequestsService>('repeat-requests');
export const RESULT_RELEASES_SERVICE = defineService<ResultReleasesService>('result-releases');
export const NOMINATIONS_SERVICE = defineService<NominationsService>('pharmacy-nominations');
