/**
 * From an MLLP frame's bytes to a parsed message and its header. Parsing itself is @medplum/core's
 * Hl7Message (already a dependency for FHIR; it keeps every segment, Z-segments included); this
 * file adds what the listener needs around it: the character set of MSH-18, the header checks
 * (versions 2.2–2.8, MSH-9, MSH-10) and the message structure when MSH-9.3 is empty.
 */
import { Hl7Message, type Hl7Segment } from '@medplum/core';
import { type Delimiters, unescapeHl7 } from './escape.js';
import { CONDITION, Hl7Error } from './hl7-error.js';

export interface MessageHeader {
  /** MSH-3 and MSH-4 as sent: with MSH-10, the key of a message (duplicates are detected on it). */
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** MSH-7 as sent. */
  dateTime: string;
  messageType: string;
  triggerEvent: string;
  /** MSH-9.3, or derived from type and trigger when the sender left it empty. */
  structure: string;
  controlId: string;
  processingId: string;
  version: string;
  /** MSH-15 / MSH-16: either set means enhanced acknowledgement mode. */
  acceptAckType: string;
  applicationAckType: string;
  /** MSH-18 as sent (empty = ASCII). */
  characterSet: string;
}

export interface ParsedMessage {
  message: Hl7Message;
  header: MessageHeader;
  delimiters: Delimiters;
  /** The frame decoded with its character set, segments separated by CR. */
  text: string;
}

/** MSH-18 values (HL7 table 0211) and the WHATWG encodings that decode them. */
const CHARSETS: Record<string, string> = {
  ASCII: 'utf-8',
  'UNICODE UTF-8': 'utf-8',
  UNICODE: 'utf-8',
  'UTF-8': 'utf-8',
  '8859/1': 'iso-8859-1',
  '8859/2': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  '8859/9': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
};

/** How the ACK to a message in `characterSet` is written. */
export function ackEncoding(characterSet: string): BufferEncoding {
  return CHARSETS[characterSet.trim().toUpperCase()] === 'utf-8' || characterSet.trim() === ''
    ? 'utf8'
    : 'latin1';
}

/**
 * MSH-18 is read from the raw bytes (the header is ASCII whatever the set), then the whole frame is
 * decoded with it. Without MSH-18, UTF-8 when the bytes are valid UTF-8, else Latin-1: many
 * senders leave the field empty and send one or the other.
 */
export function decodeFrame(payload: Buffer): { text: string; characterSet: string } {
  const ascii = payload.toString('latin1');
  const mshLine = ascii.slice(0, ascii.search(/[\r\n]/) >= 0 ? ascii.search(/[\r\n]/) : ascii.length);
  const separator = mshLine.startsWith('MSH') ? mshLine.charAt(3) : '|';
  const characterSet = (mshLine.split(separator)[17] ?? '').split(mshLine.charAt(4) || '^')[0]!.trim();
  const label = CHARSETS[characterSet.toUpperCase()];
  if (characterSet && !label) {
    throw new Hl7Error(
      'AR',
      CONDITION.tableValueNotFound,
      `Character set ${characterSet} (MSH-18) is not supported`,
      {
        segment: 'MSH',
        field: 18,
      },
    );
  }
  if (label && label !== 'utf-8') return { text: new TextDecoder(label).decode(payload), characterSet };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(payload), characterSet };
  } catch {
    if (characterSet) {
      throw new Hl7Error('AR', CONDITION.dataTypeError, `The message is not valid ${characterSet} (MSH-18)`, {
        segment: 'MSH',
        field: 18,
      });
    }
    return { text: payload.toString('latin1'), characterSet };
  }
}

const SUPPORTED_VERSION = /^2\.[2-8](\.\d+)?$/;

export function parseFrame(payload: Buffer): ParsedMessage {
  return parseText(decodeFrame(payload));
}

/** A message already decoded (a stored raw message being replayed, or a frame just decoded). */
export function parseText(decoded: { text: string; characterSet: string }): ParsedMessage {
  // Segments end with CR; LF and CRLF (common in files and hand-made messages) are accepted too.
  const text = decoded.text.replace(/\r\n|\n/g, '\r').replace(/^\r+|\r+$/g, '');
  if (!/^MSH[^A-Za-z0-9\r]/.test(text) || text.length < 8) {
    throw new Hl7Error('AR', CONDITION.segmentSequence, 'The message does not begin with an MSH segment', {
      segment: 'MSH',
    });
  }
  let message: Hl7Message;
  try {
    message = Hl7Message.parse(text);
  } catch (error) {
    throw new Hl7Error(
      'AR',
      CONDITION.segmentSequence,
      `The message cannot be parsed: ${(error as Error).message}`,
      {
        segment: 'MSH',
      },
    );
  }
  const { context } = message;
  const delimiters: Delimiters = {
    field: context.fieldSeparator,
    component: context.componentSeparator,
    repetition: context.repetitionSeparator,
    escape: context.escapeCharacter,
    subcomponent: context.subcomponentSeparator,
  };
  const msh = message.header;
  const value = (field: number, component = 1) =>
    unescapeHl7(msh.getComponent(field, component), delimiters).trim();
  const header: MessageHeader = {
    sendingApplication: msh.getField(3).toString(),
    sendingFacility: msh.getField(4).toString(),
    receivingApplication: msh.getField(5).toString(),
    receivingFacility: msh.getField(6).toString(),
    dateTime: value(7),
    messageType: value(9, 1).toUpperCase(),
    triggerEvent: value(9, 2).toUpperCase(),
    structure: value(9, 3).toUpperCase(),
    controlId: value(10),
    processingId: value(11),
    version: value(12),
    acceptAckType: value(15).toUpperCase(),
    applicationAckType: value(16).toUpperCase(),
    characterSet: decoded.characterSet,
  };
  if (!header.controlId) {
    throw new Hl7Error('AR', CONDITION.requiredFieldMissing, 'MSH-10 (message control id) is empty', {
      segment: 'MSH',
      field: 10,
    });
  }
  if (!header.messageType) {
    throw new Hl7Error('AR', CONDITION.requiredFieldMissing, 'MSH-9 (message type) is empty', {
      segment: 'MSH',
      field: 9,
    });
  }
  if (!SUPPORTED_VERSION.test(header.version)) {
    throw new Hl7Error(
      'AR',
      CONDITION.unsupportedVersionId,
      `Version ${header.version || '(none)'} (MSH-12) is not supported: 2.2 to 2.8 are`,
      {
        segment: 'MSH',
        field: 12,
      },
    );
  }
  if (header.processingId && !/^[PTD]$/.test(header.processingId.charAt(0))) {
    throw new Hl7Error(
      'AR',
      CONDITION.unsupportedProcessingId,
      `Processing id ${header.processingId} (MSH-11) is not P, T or D`,
      {
        segment: 'MSH',
        field: 11,
      },
    );
  }
  if (!header.structure) header.structure = deriveStructure(header.messageType, header.triggerEvent);
  return { message, header, delimiters, text };
}

/** HL7's message structure for a type and trigger (v2.5 table 0354), for the types we handle. */
export function deriveStructure(type: string, trigger: string): string {
  const key = `${type}_${trigger}`;
  const shared: Record<string, string> = {
    ADT_A04: 'ADT_A01',
    ADT_A08: 'ADT_A01',
    ADT_A13: 'ADT_A01',
    ADT_A14: 'ADT_A05',
    ADT_A28: 'ADT_A05',
    ADT_A31: 'ADT_A05',
    ADT_A11: 'ADT_A09',
    ADT_A41: 'ADT_A39',
    ADT_A40: 'ADT_A39',
    ADT_A42: 'ADT_A39',
    ADT_A34: 'ADT_A30',
    ADT_A47: 'ADT_A30',
  };
  if (shared[key]) return shared[key];
  if (type === 'SIU' && /^S(1[2-9]|2[0-6])$/.test(trigger)) return 'SIU_S12';
  return trigger ? key : type;
}

/** Field text of a segment, unescaped (empty when absent). */
export function fieldText(
  segment: Hl7Segment | undefined,
  field: number,
  component = 1,
  repetition = 0,
  delimiters?: Delimiters,
): string {
  if (!segment) return '';
  return unescapeHl7(segment.getComponent(field, component, undefined, repetition), delimiters).trim();
}
