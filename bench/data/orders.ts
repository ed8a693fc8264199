/**
 * Work prepared before a timed run, so that the load generator only sends bytes: distinct,
 * validly signed prescription-orders (a new short-form ID, long-form ID and message id each, signed
 * with the prescriber's registered key at preparation time), and for the cycles suite the
 * release, dispense-notification and claim that follow each order.
 */
import { claim, dispenseNotification, releaseParameters } from '../../src/dispensing/examples/messages.js';
import { itemIdOf, orderBundle, shortFormIdOf } from '../../src/prescribing/examples/order-bundle.js';
import { signPrescription } from '../../src/signing/index.js';
import { type BenchPrescriber, GMC_SYSTEM } from './prescriber.js';

export interface PreparedOrder {
  shortFormId: string;
  /** The prescription-order-item-number of its one item. */
  itemId: string;
  /** The signed prescription-order, as JSON text. */
  body: string;
}

export interface PreparedCycle extends PreparedOrder {
  release: string;
  dispense: string;
  claim: string;
}

export interface OrderOptions {
  /** NHS numbers the orders are for (round robin): patients the service already knows. */
  nhsNumbers: string[];
  /** ODS of the nominated pharmacy; null for none (release by ID). */
  nominatedPharmacy?: string | null;
}

/** Signs `count` distinct orders, `concurrency` at a time (WebCrypto signs off the main thread). */
export async function prepareOrders(
  prescriber: BenchPrescriber,
  count: number,
  options: OrderOptions,
  concurrency = 8,
): Promise<PreparedOrder[]> {
  const orders: PreparedOrder[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const unsigned = orderBundle({
        ods: prescriber.ods,
        practitionerIdentifiers: [{ system: GMC_SYSTEM, value: prescriber.gmc }],
        nhsNumber: options.nhsNumbers[n % options.nhsNumbers.length]!,
        nominatedPharmacy: options.nominatedPharmacy ?? null,
      });
      const signed = await signPrescription(unsigned, {
        privateKey: prescriber.privateKey,
        certificate: prescriber.certificatePem,
      });
      orders[n] = {
        shortFormId: shortFormIdOf(signed),
        itemId: itemIdOf(signed),
        body: JSON.stringify(signed),
      };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return orders;
}

/** Orders plus the dispensing messages of a complete cycle at `pharmacy` (one item, dispensed in full). */
export async function prepareCycles(
  prescriber: BenchPrescriber,
  count: number,
  options: OrderOptions & { pharmacy: string },
): Promise<PreparedCycle[]> {
  const orders = await prepareOrders(prescriber, count, { ...options, nominatedPharmacy: null });
  return orders.map((order) => ({
    ...order,
    release: JSON.stringify(releaseParameters(options.pharmacy, order.shortFormId)),
    dispense: JSON.stringify(
      dispenseNotification(order.shortFormId, options.pharmacy, [
        { itemId: order.itemId, type: '0001', quantity: 20 },
      ]),
    ),
    claim: JSON.stringify(claim(order.shortFormId)),
  }));
}

/**
 * Hands out prepared items in order. When the load outruns the preparation, the next item is the
 * first again (a resend, which the service answers from its idempotency record without storing
 * anything); `reused` counts those, so a run that needed them says so.
 */
export class Pool<T> {
  private next = 0;
  reused = 0;
  constructor(private readonly items: T[]) {}
  take(): T {
    if (this.next >= this.items.length) this.reused++;
    return this.items[this.next++ % this.items.length]!;
  }
  get taken(): number {
    return this.next;
  }
}
