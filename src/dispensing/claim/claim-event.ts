/**
 * The `claim` event, stored once: its outbox row carries the references (prescription, patient,
 * pharmacy, issue) but not the Claim, which the same transaction stores as a FHIR resource (its
 * version 1 in `fhir_resource_history`) and records in `prescription_claim` per issue. What is
 * published (NATS, the ePMS feed) still carries it as `resource`, read back per delivery batch.
 * Version 1 is the Claim as claimed and never changes (a later version or a delete adds a row),
 * so the event delivers what the pharmacy claimed whenever it is delivered. Rows stored before
 * this (with `resource`) are published as they are.
 */
import type { Queryable } from '../../platform/database/database.js';
import type { DomainEvent } from '../../platform/outbox/outbox.js';

export const CLAIM_EVENT = 'claim';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The issue a claim event is about: eRD claims name it, a single-issue claim is issue 1. */
function issueOf(payload: Record<string, unknown>): number {
  return typeof payload.issue === 'number' ? payload.issue : 1;
}

/**
 * The published payloads of a batch of `claim` events: each with `resource`, the Claim stored for
 * its prescription (the event key) and issue, in one query. An event whose Claim is missing or
 * not JSON is left out (the outbox dead-letters it).
 */
export async function withStoredClaims(
  q: Queryable,
  events: readonly DomainEvent[],
): Promise<Map<string, unknown>> {
  const published = new Map<string, unknown>();
  const wanted: { event: DomainEvent; payload: Record<string, unknown> }[] = [];
  for (const event of events) {
    if (!isRecord(event.payload)) continue;
    if (event.payload.resource !== undefined) published.set(event.id, event.payload);
    else wanted.push({ event, payload: event.payload });
  }
  if (wanted.length === 0) return published;
  const rows = await q.query<{ short_form_id: string; issue: number; content: string }>(
    `SELECT c.short_form_id, c.issue, h.content
     FROM unnest($1::text[], $2::integer[]) AS w(short_form_id, issue)
     JOIN prescription_claim c ON c.short_form_id = w.short_form_id AND c.issue = w.issue
     JOIN fhir_resource_history h ON h.resource_type = 'Claim' AND h.id = c.claim_id AND h.version_id = 1`,
    [wanted.map(({ event }) => event.key), wanted.map(({ payload }) => issueOf(payload))],
  );
  const claims = new Map<string, unknown>();
  for (const row of rows.rows) {
    try {
      claims.set(`${row.short_form_id}|${Number(row.issue)}`, JSON.parse(row.content));
    } catch {
      // Not JSON any more: left out, so the delivery is dead-lettered rather than sent without it.
    }
  }
  for (const { event, payload } of wanted) {
    const claim = claims.get(`${event.key}|${issueOf(payload)}`);
    if (claim !== undefined) published.set(event.id, { ...payload, resource: claim });
  }
  return published;
}
