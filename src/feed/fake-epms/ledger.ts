/**
 * The fake ePMS's "business logic": it books each feed event once per Idempotency-Key (the event
 * id), in arrival order. A second delivery of a booked event is a duplicate: answered like a
 * success, counted, not booked again. This is what the real claims system promises the feed.
 */
import type { WireEvent } from '../wire-format.js';

export type Booking = 'applied' | 'duplicate';

export interface LedgerSnapshot {
  /** Booked events, in the order they were first received. */
  applied: WireEvent[];
  /** Deliveries of an already booked event. */
  duplicates: number;
}

export class Ledger {
  #applied: WireEvent[] = [];
  readonly #ids = new Set<string>();
  #duplicates = 0;

  book(idempotencyKey: string, event: WireEvent): Booking {
    if (this.#ids.has(idempotencyKey)) {
      this.#duplicates++;
      return 'duplicate';
    }
    this.#ids.add(idempotencyKey);
    this.#applied.push(event);
    return 'applied';
  }

  has(idempotencyKey: string): boolean {
    return this.#ids.has(idempotencyKey);
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  /** Booked events of one prescription, in booking order. */
  of(prescriptionId: string): WireEvent[] {
    return this.#applied.filter((event) => event.prescriptionId === prescriptionId);
  }

  snapshot(): LedgerSnapshot {
    return { applied: [...this.#applied], duplicates: this.#duplicates };
  }

  reset(): void {
    this.#applied = [];
    this.#ids.clear();
    this.#duplicates = 0;
  }
}
