/**
 * Payloads stored by reference, published in full. An event may leave out of its outbox row a
 * resource its transaction already stored elsewhere (the order's signed Bundle is in its
 * prescription row): writing it twice doubled the bytes of every order, and the outbox row is
 * read again by every consumer. The capability that emits such an event registers a resolver for
 * its type; each delivery batch then hands its consumers the events as they are published (NATS,
 * the ePMS feed), with one resolver call per batch and type, not one per event.
 *
 * Resolving at delivery is safe because the referenced row commits in the same transaction as the
 * event, so it exists whenever the event does; a resolver must read what never changes (the
 * signed Bundle as received, not the prescription's current state). A resolver that fails makes
 * the batch's deliveries of its type failed attempts (retried with back-off); an event it cannot
 * resolve (the row is gone) is dead-lettered, visibly, for a person to look at.
 */
import type { Queryable } from '../database/database.js';
import { type Consumer, PermanentFailure } from './consumer.js';
import type { ClaimedDelivery } from './delivery-store.js';
import type { DomainEvent } from './events.js';

/**
 * The payload each event is published with, by event id. An event left out of the map cannot be
 * resolved (dead-lettered). Events already carrying what the resolver would add (e.g. rows written
 * before the payload was stored by reference) are returned as they are.
 */
export type ResolvePayloads = (
  q: Queryable,
  events: readonly DomainEvent[],
) => Promise<ReadonlyMap<string, unknown>>;

export interface ResolvedBatch {
  /** The deliveries to hand over, their events as published. */
  ready: ClaimedDelivery[];
  /** Deliveries that cannot be handed over in this batch: failed attempts. */
  unresolved: { claimed: ClaimedDelivery; error: unknown }[];
}

export class PublishedPayloads {
  readonly #resolvers = new Map<string, ResolvePayloads>();

  /** Registers how events of `type` get their published payload (one resolver per type). */
  register(type: string, resolve: ResolvePayloads): void {
    if (this.#resolvers.has(type)) throw new Error(`a payload resolver for ${type} is already registered`);
    this.#resolvers.set(type, resolve);
  }

  /** Does this consumer's batch need resolving? Not when it asked for stored payloads, or none are. */
  applies(consumer: Consumer, deliveries: readonly ClaimedDelivery[]): boolean {
    if (consumer.payloads === 'stored' || this.#resolvers.size === 0) return false;
    return deliveries.some((delivery) => this.#resolvers.has(delivery.event.type));
  }

  /** The batch's events as published, in the order claimed. */
  async resolve(q: Queryable, deliveries: readonly ClaimedDelivery[]): Promise<ResolvedBatch> {
    const byType = new Map<string, ClaimedDelivery[]>();
    for (const delivery of deliveries) {
      if (!this.#resolvers.has(delivery.event.type)) continue;
      const group = byType.get(delivery.event.type) ?? [];
      group.push(delivery);
      byType.set(delivery.event.type, group);
    }
    const resolved = new Map<string, DomainEvent>();
    const failed = new Map<string, unknown>();
    for (const [type, group] of byType) {
      const resolve = this.#resolvers.get(type) as ResolvePayloads;
      try {
        const payloads = await resolve(
          q,
          group.map((delivery) => delivery.event),
        );
        for (const { event } of group) {
          if (payloads.has(event.id)) resolved.set(event.id, { ...event, payload: payloads.get(event.id) });
          else
            failed.set(
              event.id,
              new PermanentFailure(`the ${type} event refers to a stored record that could not be read`),
            );
        }
      } catch (error) {
        // A database that failed meanwhile: the attempt fails and is retried after its back-off.
        for (const { event } of group) failed.set(event.id, error);
      }
    }
    const ready: ClaimedDelivery[] = [];
    const unresolved: ResolvedBatch['unresolved'] = [];
    for (const delivery of deliveries) {
      if (failed.has(delivery.event.id))
        unresolved.push({ claimed: delivery, error: failed.get(delivery.event.id) });
      else ready.push({ ...delivery, event: resolved.get(delivery.event.id) ?? delivery.event });
    }
    return { ready, unresolved };
  }

  /**
   * Events as published, for callers outside a delivery (e.g. tests holding them to the
   * catalogue). One that cannot be resolved stays as stored; a failed read throws.
   */
  async published(q: Queryable, events: readonly DomainEvent[]): Promise<DomainEvent[]> {
    const { ready, unresolved } = await this.resolve(
      q,
      events.map((event) => ({ attempts: 0, event })),
    );
    const failed = unresolved.find(({ error }) => !(error instanceof PermanentFailure));
    if (failed) throw failed.error;
    const resolved = new Map(ready.map((delivery) => [delivery.event.id, delivery.event]));
    return events.map((event) => resolved.get(event.id) ?? event);
  }
}
