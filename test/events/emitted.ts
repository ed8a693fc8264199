/** Reads the events a test app's flows emitted and holds them to the events catalogue. */
import type { Queryable } from '../../src/platform/database/database.js';
import type { DomainEvent, Outbox } from '../../src/platform/outbox/outbox.js';
import { loadEventCatalogue, type PublishedEvent } from './catalogue.js';

/**
 * Every event in the outbox, as the NATS publisher would send it (the DomainEvent as JSON): with
 * `outbox`, payloads stored by reference are read back as its consumers get them.
 */
export async function emittedEvents(
  db: Queryable,
  outbox?: Pick<Outbox, 'published'>,
): Promise<PublishedEvent[]> {
  const rows = await db.query<{
    id: string;
    type: string;
    key: string;
    occurred_at: Date | string;
    payload: unknown;
  }>('SELECT id, type, key, occurred_at, payload FROM outbox_event ORDER BY seq');
  const stored: DomainEvent[] = rows.rows.map((row) => ({
    id: row.id,
    type: row.type,
    key: row.key,
    occurredAt: new Date(row.occurred_at).toISOString(),
    payload: row.payload,
  }));
  return outbox ? outbox.published(db, stored) : stored;
}

/** Throws one error listing every emitted event that is not catalogued or does not match. */
export async function expectCatalogued(db: Queryable, outbox: Pick<Outbox, 'published'>): Promise<void> {
  const problems = loadEventCatalogue().problems(await emittedEvents(db, outbox));
  if (problems.length > 0)
    throw new Error(`events catalogue (docs/asyncapi.yaml):\n- ${problems.join('\n- ')}`);
}
