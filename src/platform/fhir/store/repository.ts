/**
 * The versioned resource store: every write keeps the current version in `fhir_resource` and a
 * copy in `fhir_resource_history`, and replaces the resource's search index rows, all inside the
 * caller's transaction. Domain code calls these with its own transaction so that a resource, its
 * outbox events and its index commit together.
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../database/database.js';
import { Problem } from '../../errors/problem.js';
import { isStoredResourceType } from '../resource-types.js';
import { deleteSearchIndex, indexDocument } from '../search/index.js';
import { validateId, validateResource } from '../validation/index.js';
import { checkIfMatch } from './versioning.js';

export interface StoredResource {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The JSON text of this version (a tombstone for deleted versions). */
  content: string;
}

export interface WriteResult extends StoredResource {
  resource: Resource;
  /** true when a new resource was created (201), false for a new version of an existing one. */
  created: boolean;
}

export function assertResourceType(type: string): void {
  if (!isStoredResourceType(type)) {
    throw new Problem('NOT_FOUND', `Resource type ${type} is not supported by this server`);
  }
}

interface Row {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: string;
}

/** A row as read: last_updated as epoch milliseconds (see READ_COLUMNS). */
interface ReadRow extends Omit<Row, 'last_updated'> {
  last_updated_ms: number;
}

/**
 * last_updated is read as epoch milliseconds (a float8, parsed as a number) rather than as a
 * timestamptz, which pg would parse from text into a Date on every read only for it to be printed
 * in Last-Modified (1 % of a read's CPU in docs/benchmarks.md). Millisecond precision is what the
 * store writes.
 */
const READ_COLUMNS =
  'resource_type, id, version_id, (extract(epoch FROM last_updated) * 1000)::float8 AS last_updated_ms, deleted, content';

function toStored(row: ReadRow): StoredResource {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: new Date(row.last_updated_ms),
    deleted: row.deleted,
    content: row.content,
  };
}

function stamp(resource: Resource, id: string, versionId: number, lastUpdated: Date): Resource {
  return {
    ...resource,
    id,
    meta: { ...resource.meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
  } as Resource;
}

const INSERT_VERSION = `
  WITH current AS (
    INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, content)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (resource_type, id) DO UPDATE
      SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
          deleted = EXCLUDED.deleted, content = EXCLUDED.content
      WHERE fhir_resource.version_id = $3 - 1
    RETURNING 1
  )
  INSERT INTO fhir_resource_history (resource_type, id, version_id, last_updated, deleted, content)
  SELECT $1, $2, $3, $4, $5, $6 FROM current`;

/**
 * Writes version `versionId` of a resource. The guarded upsert only replaces the row holding the
 * previous version, so two writers racing for the same version cannot both succeed.
 */
async function writeVersion(tx: Queryable, row: Row): Promise<void> {
  const result = await tx.query(INSERT_VERSION, [
    row.resource_type,
    row.id,
    row.version_id,
    row.last_updated,
    row.deleted,
    row.content,
  ]);
  if (result.rowCount !== 1) {
    throw new Problem('CONFLICT', `${row.resource_type}/${row.id} was changed by another request; retry`);
  }
}

/** A validated new resource, stamped as version 1, ready to be written by fhir_create. */
export interface NewResource {
  resourceType: string;
  id: string;
  lastUpdated: Date;
  resource: Resource;
  content: string;
  /** Its index rows (write-index.ts `indexDocument`). */
  index: string;
}

export function prepareCreate(input: unknown, options: { id?: string; now?: Date } = {}): NewResource {
  const resource = validateResource(input);
  assertResourceType(resource.resourceType);
  const id = options.id ?? randomUUID();
  const lastUpdated = options.now ?? new Date();
  const stamped = stamp(resource, id, 1, lastUpdated);
  return {
    resourceType: resource.resourceType,
    id,
    lastUpdated,
    resource: stamped,
    content: JSON.stringify(stamped),
    index: indexDocument(stamped),
  };
}

export function conflict(reference: string): Problem {
  return new Problem('CONFLICT', `${reference} was changed by another request; retry`);
}

/** One statement: the version, its history row and its index rows (migration 0022). */
export async function createResource(
  tx: Queryable,
  input: unknown,
  options: { id?: string; now?: Date } = {},
): Promise<WriteResult> {
  const created = prepareCreate(input, options);
  const result = await tx.query<{ created: boolean }>(
    'SELECT fhir_create($1, $2, $3, $4, $5::jsonb) AS created',
    [created.resourceType, created.id, created.lastUpdated, created.content, created.index],
  );
  if (result.rows[0]?.created !== true) throw conflict(`${created.resourceType}/${created.id}`);
  return {
    resourceType: created.resourceType,
    id: created.id,
    versionId: 1,
    lastUpdated: created.lastUpdated,
    deleted: false,
    content: created.content,
    resource: created.resource,
    created: true,
  };
}

export async function readCurrent(
  db: Queryable,
  resourceType: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<StoredResource | undefined> {
  const result = await db.query<ReadRow>(
    `SELECT ${READ_COLUMNS} FROM fhir_resource
     WHERE resource_type = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [resourceType, id],
  );
  const row = result.rows[0];
  return row ? toStored(row) : undefined;
}

/** The live resource, or a Problem: 404 when it never existed, 410 when deleted. */
export async function readResource(db: Queryable, resourceType: string, id: string): Promise<StoredResource> {
  assertResourceType(resourceType);
  validateId(id);
  const stored = await readCurrent(db, resourceType, id);
  if (!stored) throw new Problem('NOT_FOUND', `${resourceType}/${id} not found`);
  if (stored.deleted) throw new Problem('GONE', `${resourceType}/${id} was deleted`);
  return stored;
}

export async function readVersion(
  db: Queryable,
  resourceType: string,
  id: string,
  versionId: string,
): Promise<StoredResource> {
  assertResourceType(resourceType);
  validateId(id);
  if (!/^\d{1,15}$/.test(versionId)) throw new Problem('NOT_FOUND', `Version ${versionId} not found`);
  const result = await db.query<ReadRow>(
    `SELECT ${READ_COLUMNS} FROM fhir_resource_history
     WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
    [resourceType, id, Number(versionId)],
  );
  const row = result.rows[0];
  if (!row) throw new Problem('NOT_FOUND', `${resourceType}/${id}/_history/${versionId} not found`);
  if (row.deleted) throw new Problem('GONE', `${resourceType}/${id} version ${versionId} is a deletion`);
  return toStored(row);
}

/** A new version of a resource, stamped, ready to be written by fhir_write_version (migration 0029). */
export interface ResourceVersion extends NewResource {
  versionId: number;
}

/** Version `current + 1` of `resource` (version 1 when there is none, or after a deletion). */
export function prepareVersion(
  resource: Resource,
  current: Pick<StoredResource, 'versionId'> | undefined,
  now = new Date(),
): ResourceVersion {
  const versionId = (current?.versionId ?? 0) + 1;
  const stamped = stamp(resource, resource.id!, versionId, now);
  return {
    resourceType: resource.resourceType,
    id: resource.id!,
    versionId,
    lastUpdated: now,
    resource: stamped,
    content: JSON.stringify(stamped),
    index: indexDocument(stamped),
  };
}

/** One statement: the version over the one before it, its history row, its index rows replaced. */
export async function writeResourceVersion(q: Queryable, version: ResourceVersion): Promise<boolean> {
  const result = await q.query<{ written: boolean }>(
    'SELECT fhir_write_version($1, $2, $3, $4, $5, $6::jsonb) AS written',
    [
      version.resourceType,
      version.id,
      version.versionId,
      version.lastUpdated,
      version.content,
      version.index,
    ],
  );
  return result.rows[0]?.written === true;
}

function validUpdate(resourceType: string, id: string, input: unknown): Resource {
  const resource = validateResource(input);
  if (resource.resourceType !== resourceType) {
    throw new Problem('INVALID_VALUE', `Body is a ${resource.resourceType}, the URL names ${resourceType}`, {
      expression: 'resourceType',
    });
  }
  if (resource.id !== id) {
    throw new Problem(
      'INVALID_VALUE',
      `Body id ${resource.id ?? '(none)'} must equal the id in the URL (${id})`,
      {
        expression: `${resourceType}.id`,
      },
    );
  }
  return resource;
}

/** How many times an update is recomputed when another writer got in first, before a 409. */
const MAX_UPDATE_ATTEMPTS = 20;

/**
 * PUT: a new version of an existing resource, or a create with the client's id. Two statements:
 * the current version read without a lock, and the new one written only over it (fhir_write_version);
 * when another request wrote first, read and decide again (If-Match then fails as it would have
 * under a row lock). `check` sees the current version before anything is written (e.g. whose
 * patient it belongs to).
 */
export async function updateResource(
  q: Queryable,
  resourceType: string,
  id: string,
  input: unknown,
  options: {
    ifMatch?: number;
    now?: Date;
    check?: (current: StoredResource | undefined) => Promise<void> | void;
  } = {},
): Promise<WriteResult> {
  assertResourceType(resourceType);
  validateId(id);
  let resource: Resource | undefined;
  for (let attempt = 1; ; attempt++) {
    const current = await readCurrent(q, resourceType, id);
    await options.check?.(current);
    resource ??= validUpdate(resourceType, id, input);
    checkIfMatch(options.ifMatch, current && !current.deleted ? current.versionId : undefined);
    const version = prepareVersion(resource, current, options.now ?? new Date());
    if (await writeResourceVersion(q, version)) {
      return {
        resourceType,
        id,
        versionId: version.versionId,
        lastUpdated: version.lastUpdated,
        deleted: false,
        content: version.content,
        resource: version.resource,
        created: current === undefined || current.deleted,
      };
    }
    if (attempt >= MAX_UPDATE_ATTEMPTS) throw conflict(`${resourceType}/${id}`);
  }
}

/** Deletes by writing a tombstone version; history keeps every earlier version. */
export async function deleteResource(
  tx: Queryable,
  resourceType: string,
  id: string,
  options: { ifMatch?: number; now?: Date } = {},
): Promise<{ versionId: number } | undefined> {
  assertResourceType(resourceType);
  validateId(id);
  const current = await readCurrent(tx, resourceType, id, { forUpdate: true });
  if (!current) throw new Problem('NOT_FOUND', `${resourceType}/${id} not found`);
  if (current.deleted) return undefined;
  checkIfMatch(options.ifMatch, current.versionId);
  const versionId = current.versionId + 1;
  const lastUpdated = options.now ?? new Date();
  const tombstone = JSON.stringify({
    resourceType,
    id,
    meta: { versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
  });
  await writeVersion(tx, {
    resource_type: resourceType,
    id,
    version_id: versionId,
    last_updated: lastUpdated,
    deleted: true,
    content: tombstone,
  });
  await deleteSearchIndex(tx, resourceType, id);
  return { versionId };
}

export async function listHistory(
  db: Queryable,
  resourceType: string,
  id: string,
  options: { count: number; beforeVersion?: number },
): Promise<StoredResource[]> {
  assertResourceType(resourceType);
  validateId(id);
  const result = await db.query<ReadRow>(
    `SELECT ${READ_COLUMNS} FROM fhir_resource_history
     WHERE resource_type = $1 AND id = $2 AND version_id < $3
     ORDER BY version_id DESC LIMIT $4`,
    [resourceType, id, options.beforeVersion ?? Number.MAX_SAFE_INTEGER, options.count],
  );
  return result.rows.map(toStored);
}
