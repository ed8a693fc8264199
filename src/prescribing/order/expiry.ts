/**
 * When a prescription stops being dispensable (docs/api.md §6): 6 calendar months after its
 * validity start, 28 days for a prescription with a controlled drug. Pure.
 */
import type { ParsedOrder } from './parse-order.js';

export const CONTROLLED_DRUG_VALIDITY_DAYS = 28;
export const VALIDITY_MONTHS = 6;

/** The validity start: dispenseRequest.validityPeriod.start when given, else the signing time. */
export function validFromOf(order: Pick<ParsedOrder, 'validityStart'>, sigT: Date): Date {
  if (!order.validityStart) return sigT;
  const start = new Date(
    /^\d{4}-\d{2}-\d{2}$/.test(order.validityStart)
      ? `${order.validityStart}T00:00:00Z`
      : order.validityStart,
  );
  return Number.isNaN(start.getTime()) ? sigT : start;
}

export function expiryOf(validFrom: Date, controlled: boolean): Date {
  if (controlled) return new Date(validFrom.getTime() + CONTROLLED_DRUG_VALIDITY_DAYS * 86_400_000);
  const expiry = new Date(validFrom.getTime());
  const day = expiry.getUTCDate();
  expiry.setUTCDate(1);
  expiry.setUTCMonth(expiry.getUTCMonth() + VALIDITY_MONTHS);
  // 31 August + 6 months is the last day of February, not 3 March.
  const lastDay = new Date(Date.UTC(expiry.getUTCFullYear(), expiry.getUTCMonth() + 1, 0)).getUTCDate();
  expiry.setUTCDate(Math.min(day, lastDay));
  return expiry;
}
