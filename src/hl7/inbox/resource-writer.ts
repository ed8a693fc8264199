/**
 * How the feed writes resources: every one through its type's declared rules (the writer `hl7`:
 * the same checks and hooks as an HTTP write, e.g. booking's slots and `appointment-changed`; a
 * type that does not admit the feed is refused) and the store's versioned create/update, in the
 * message's transaction, remembering when the hospital made each change (hl7_resource_source) so
 * that a message older than what is stored is recognised as stale and does not overwrite newer
 * data. What the rules write besides (booking's slots) is reported with the write and named in
 * the message's Provenance.
 *
 * Each statement is a round trip, and round trips are most of a message's cost (bench/hl7.ts
 * --profile), so inside a MessageTransaction the source time is read with the locked row and
 * the changes to it are written once, with the message log's own update (message-log.ts). The
 * version read with the lock is kept too and handed to the rules as the live version, so a type
 * with hooks costs no second read of it.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import type { SystemWrite } from '../../platform/fhir/store/system-writes.js';
import type { HandlerContext } from '../handler.js';

/** Serialises the messages about one patient (or stay) across connections and replicas. */
export async function lockKey(tx: Queryable, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hl7:${key}`]);
}

/** One message's transaction: what it read of hl7_resource_source and what it will write there. */
export class MessageTransaction implements Queryable {
  /** Epoch ms of each resource's last hospital change as read with its row (null: none). */
  readonly sourceTimes = new Map<string, number | null>();
  /** `Type/id` → the event time to record, written by markApplied. */
  readonly changed = new Map<string, string>();
  /** `Type/id` → its live version as read with its lock or last written here (undefined: none). */
  readonly live = new Map<string, Resource | undefined>();

  constructor(readonly inner: Queryable) {}

  query: Queryable['query'] = (sql, params) => this.inner.query(sql, params);
}

/** True when the stored resource was last changed by a message newer than `eventTime`. */
export async function isStale(tx: Queryable, reference: string, eventTime: string): Promise<boolean> {
  if (tx instanceof MessageTransaction && tx.sourceTimes.has(reference)) {
    const newest = tx.sourceTimes.get(reference);
    return newest !== null && newest !== undefined && newest > Date.parse(eventTime);
  }
  const [type, id] = reference.split('/');
  const result = await tx.query<{ newer: boolean }>(
    'SELECT source_time > $3::timestamptz AS newer FROM hl7_resource_source WHERE resource_type = $1 AND id = $2',
    [type, id, eventTime],
  );
  return result.rows[0]?.newer === true;
}

export async function readStored<T extends Resource>(
  tx: Queryable,
  reference: string,
): Promise<T | undefined> {
  const [type, id] = reference.split('/');
  if (tx instanceof MessageTransaction) {
    const result = await tx.query<{ content: string; deleted: boolean; source_ms: number | null }>(
      `SELECT r.content, r.deleted, (extract(epoch FROM s.source_time) * 1000)::float8 AS source_ms
       FROM fhir_resource r LEFT JOIN hl7_resource_source s ON s.resource_type = r.resource_type AND s.id = r.id
       WHERE r.resource_type = $1 AND r.id = $2 FOR UPDATE OF r`,
      [type, id],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    if (!tx.sourceTimes.has(reference)) tx.sourceTimes.set(reference, row.source_ms);
    const resource = row.deleted ? undefined : (JSON.parse(row.content) as T);
    tx.live.set(reference, resource);
    return resource;
  }
  const stored = await readCurrent(tx, type!, id!, { forUpdate: true });
  return stored && !stored.deleted ? (JSON.parse(stored.content) as T) : undefined;
}

/**
 * The stored resource of `type` with this identifier (locked, as readStored), by the search index:
 * how every handler finds the record a message is keyed by (visit, report, order, appointment).
 */
export async function findByIdentifier<T extends Resource>(
  tx: Queryable,
  type: T['resourceType'],
  system: string,
  value: string,
): Promise<T | undefined> {
  const result = await tx.query<{ id: string }>(
    `SELECT id FROM search_token WHERE resource_type = $1 AND param = 'identifier' AND system = $2 AND value = $3
     ORDER BY id LIMIT 1`,
    [type, system, value],
  );
  const id = result.rows[0]?.id;
  return id ? readStored<T>(tx, `${type}/${id}`) : undefined;
}

async function write(context: HandlerContext, body: Resource): Promise<SystemWrite> {
  const { tx, writer } = context;
  if (!body.id) return writer.create(tx, body);
  const key = `${body.resourceType}/${body.id}`;
  // The version readStored locked in this transaction: the rules' live version, not read again.
  const live =
    tx instanceof MessageTransaction && tx.live.has(key) ? { before: tx.live.get(key) } : undefined;
  return writer.update(tx, body as Resource & { id: string }, live);
}

/**
 * The versions a type's rules wrote with the resource (booking's slots): the message changed them
 * too, so its log and Provenance name them. Their hospital source time is not recorded (the rule
 * changed them, not a message about them), and the live version kept for them is dropped, so a
 * later write in this message reads them again.
 */
function recordRelated(context: HandlerContext, related: readonly string[]): void {
  for (const version of related) {
    const reference = version.split('/_history/')[0]!;
    if (context.tx instanceof MessageTransaction) context.tx.live.delete(reference);
    context.touched.add(reference);
    context.versions?.push(version);
  }
}

/** Creates or updates `resource` (by its id) and records the change's source time. */
export async function writeResource<T extends Resource>(
  context: HandlerContext,
  resource: T,
): Promise<T & { id: string }> {
  const { tx } = context;
  const written = await write(context, withoutMeta(resource));
  const reference = `${written.resourceType}/${written.id}`;
  if (tx instanceof MessageTransaction) {
    tx.live.set(reference, written.resource);
    const at = Date.parse(context.eventTime);
    const before = tx.sourceTimes.get(reference) ?? null;
    tx.sourceTimes.set(reference, before === null ? at : Math.max(before, at));
    tx.changed.set(reference, context.eventTime);
    context.touched.add(reference);
    context.versions?.push(`${reference}/_history/${written.versionId}`);
    recordRelated(context, written.related);
    return written.resource as T & { id: string };
  }
  await tx.query(
    `INSERT INTO hl7_resource_source (resource_type, id, source_time, message_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (resource_type, id) DO UPDATE SET source_time = GREATEST(hl7_resource_source.source_time, EXCLUDED.source_time),
       message_id = EXCLUDED.message_id`,
    [written.resourceType, written.id, context.eventTime, context.messageId],
  );
  context.touched.add(reference);
  context.versions?.push(`${reference}/_history/${written.versionId}`);
  recordRelated(context, written.related);
  return written.resource as T & { id: string };
}

function withoutMeta<T extends Resource>(resource: T): T {
  const { meta: _meta, ...rest } = resource;
  return rest as T;
}
