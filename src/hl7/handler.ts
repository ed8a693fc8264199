/**
 * What a message handler is: for one message type (and its triggers), the effects of a parsed
 * message, written in the caller's transaction. The listener acknowledges only after that
 * transaction commits.
 */
import type { Queryable } from '../platform/database/database.js';
import type { SystemWriter } from '../platform/fhir/store/system-writes.js';
import type { SegmentReader } from './message/fields.js';
import { segmentsOf } from './message/fields.js';
import { hl7Instant } from './message/hl7-time.js';
import type { ParsedMessage } from './message/parse.js';

export interface HandlerContext {
  tx: Queryable;
  /** Writes through each type's declared rules as the feed (inbox/resource-writer.ts). */
  writer: SystemWriter;
  parsed: ParsedMessage;
  /** hl7_message.id of this message. */
  messageId: string;
  /** When the change happened at the hospital: EVN-2, else MSH-7, else now. */
  eventTime: string;
  /** The sending facility (MSH-4.1) and its ODS code when it looks like one. */
  facility: string;
  odsCode: string | undefined;
  /** Every resource written, as `Type/id` (for the message log and Provenance). */
  touched: Set<string>;
  /** Every version written, as `Type/id/_history/n` (the message's Provenance targets). */
  versions?: string[];
}

export interface MessageHandler {
  messageType: string;
  triggers: ReadonlySet<string>;
  apply(context: HandlerContext): Promise<void>;
}

export function segments(parsed: ParsedMessage, name: string): SegmentReader[] {
  return segmentsOf(parsed.message.segments, name, parsed.delimiters);
}

export function segment(parsed: ParsedMessage, name: string): SegmentReader | undefined {
  return segments(parsed, name)[0];
}

/** ODS codes are 3 to 6 letters and digits (trusts, sites, practices). */
export function odsCodeOf(facility: string): string | undefined {
  return /^[A-Z0-9]{3,6}$/i.test(facility) ? facility.toUpperCase() : undefined;
}

export function eventTimeOf(parsed: ParsedMessage, now: Date): string {
  return (
    hl7Instant(segment(parsed, 'EVN')?.text(2)) ?? hl7Instant(parsed.header.dateTime) ?? now.toISOString()
  );
}
