/**
 * Create, update and delete of one resource with its type's declared rules (write-rules.ts), each
 * in the caller's transaction: the current version is read and locked first, so `beforeWrite`
 * judges the version the store replaces, and `afterWrite`'s related changes and events commit or
 * roll back with the write.
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../database/database.js';
import {
  CALLER,
  hasTransactionRules,
  newWriteEffects,
  type WriteAgent,
  type WriteChange,
  type WriteEffects,
  type WriteRules,
} from '../write-rules.js';
import {
  createResource,
  deleteResource,
  readCurrent,
  updateResource,
  type WriteResult,
} from './repository.js';

export interface Guard {
  /** Called with the live version before anything is written (a patient caller's binding). */
  current?(resource: Resource): Promise<void>;
}

export interface WriteOptions {
  /** Who writes (the hooks see it); an HTTP caller when left out. */
  agent?: WriteAgent;
  /**
   * The live version (undefined: none), already read and locked by the caller in this
   * transaction, so an update with hooks does not read it again (the hospital feed reads it to
   * judge staleness).
   */
  current?: { before: Resource | undefined };
  /**
   * The write's record the hooks share (write-rules.ts `WriteEffects`); a fresh one when left out.
   * A system writer passes its own to learn the related versions the hooks wrote.
   */
  effects?: WriteEffects;
}

function live(stored: { deleted: boolean; content: string } | undefined): Resource | undefined {
  return stored && !stored.deleted ? (JSON.parse(stored.content) as Resource) : undefined;
}

export async function createWithRules(
  tx: Queryable,
  rules: WriteRules | undefined,
  resource: Resource,
  options: Pick<WriteOptions, 'agent' | 'effects'> = {},
): Promise<WriteResult> {
  const id = randomUUID();
  const agent = options.agent ?? CALLER;
  const effects = options.effects ?? newWriteEffects();
  const change: WriteChange = {
    interaction: 'create',
    id,
    before: undefined,
    after: resource,
    agent,
    effects,
  };
  const toStore = (await rules?.beforeWrite?.(tx, change)) ?? resource;
  const created = await createResource(tx, toStore, { id });
  await rules?.afterWrite?.(tx, { ...change, after: created.resource });
  return created;
}

export async function updateWithRules(
  tx: Queryable,
  rules: WriteRules | undefined,
  target: { type: string; id: string; ifMatch?: number },
  resource: Resource,
  guard: Guard = {},
  write: WriteOptions = {},
): Promise<WriteResult> {
  const { type, id } = target;
  const options = target.ifMatch !== undefined ? { ifMatch: target.ifMatch } : {};
  if (!hasTransactionRules(rules)) {
    // No rule needs the change inside a transaction: read and write over what was read (two
    // statements, no lock); the guard judges the version read.
    const current = guard.current;
    return updateResource(tx, type, id, resource, {
      ...options,
      ...(current
        ? {
            check: async (stored) => {
              const before = live(stored);
              if (before) await current(before);
            },
          }
        : {}),
    });
  }
  const before = write.current
    ? write.current.before
    : live(await readCurrent(tx, type, id, { forUpdate: true }));
  if (before) await guard.current?.(before);
  const agent = write.agent ?? CALLER;
  const effects = write.effects ?? newWriteEffects();
  const change: WriteChange = { interaction: 'update', id, before, after: resource, agent, effects };
  const toStore = (await rules?.beforeWrite?.(tx, change)) ?? resource;
  const result = await updateResource(tx, type, id, toStore, options);
  await rules?.afterWrite?.(tx, { ...change, after: result.resource });
  return result;
}

/** The deleted version and the tombstone's version; undefined when it was already deleted. */
export async function deleteWithRules(
  tx: Queryable,
  rules: WriteRules | undefined,
  target: { type: string; id: string; ifMatch?: number },
  guard: Guard = {},
): Promise<{ before: Resource; versionId: number } | undefined> {
  const { type, id } = target;
  const before = live(await readCurrent(tx, type, id, { forUpdate: true }));
  if (before) await guard.current?.(before);
  // Only HTTP callers delete: no system writer is admitted to (write-rules.ts `systemWriters`).
  const change: WriteChange = {
    interaction: 'delete',
    id,
    before,
    after: undefined,
    agent: CALLER,
    effects: newWriteEffects(),
  };
  if (before) await rules?.beforeWrite?.(tx, change);
  const options = target.ifMatch !== undefined ? { ifMatch: target.ifMatch } : {};
  const deleted = await deleteResource(tx, type, id, options);
  if (!deleted || !before) return undefined;
  await rules?.afterWrite?.(tx, change);
  return { before, versionId: deleted.versionId };
}
