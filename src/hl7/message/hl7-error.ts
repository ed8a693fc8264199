/**
 * A message we cannot apply, with what the ACK must say: AE (content error: a sender fixes the
 * message) or AR (rejected: unsupported type, version or processing id, or malformed), the HL7
 * table 0357 condition code, and where the problem is, for the ERR segment.
 */
export type RejectCode = 'AE' | 'AR';

/** HL7 table 0357, the codes this listener uses. */
export const CONDITION = {
  segmentSequence: 100,
  requiredFieldMissing: 101,
  dataTypeError: 102,
  tableValueNotFound: 103,
  unsupportedMessageType: 200,
  unsupportedEventCode: 201,
  unsupportedProcessingId: 202,
  unsupportedVersionId: 203,
  unknownKey: 204,
  internalError: 207,
} as const;

export interface ErrorLocation {
  segment: string;
  /** 1-based occurrence of the segment (PID is 1; the third OBX is 3). */
  sequence?: number;
  field?: number;
  component?: number;
}

export class Hl7Error extends Error {
  constructor(
    readonly ackCode: RejectCode,
    readonly condition: number,
    message: string,
    readonly location?: ErrorLocation,
  ) {
    super(message);
    this.name = 'Hl7Error';
  }
}

/** AE naming the field a sender must fix. */
export function contentError(
  message: string,
  location: ErrorLocation,
  condition: number = CONDITION.requiredFieldMissing,
): Hl7Error {
  return new Hl7Error('AE', condition, message, location);
}
