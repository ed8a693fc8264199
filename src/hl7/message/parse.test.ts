import { describe, expect, it } from 'vitest';
import type { Hl7Error } from './hl7-error.js';
import { deriveStructure, fieldText, parseFrame } from './parse.js';

const msh = (rest: string) => `MSH|^~\\&|EPR|RXX01|PATHWAYS|PW|20260105093000||${rest}`;

describe('parseFrame', () => {
  it('reads the header, accepts LF segment endings and keeps Z-segments', () => {
    const parsed = parseFrame(
      Buffer.from(`${msh('ADT^A01|MSG1|P|2.5.1')}\nPID|1||9434765919^^^NHS^NH\nZPI|custom`),
    );
    expect(parsed.header).toMatchObject({
      sendingApplication: 'EPR',
      sendingFacility: 'RXX01',
      messageType: 'ADT',
      triggerEvent: 'A01',
      structure: 'ADT_A01',
      controlId: 'MSG1',
      version: '2.5.1',
    });
    expect(parsed.message.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'ZPI']);
  });

  it('derives the structure when MSH-9.3 is empty', () => {
    expect(parseFrame(Buffer.from(msh('ADT^A08|M|P|2.3'))).header.structure).toBe('ADT_A01');
    expect(deriveStructure('ADT', 'A40')).toBe('ADT_A39');
    expect(deriveStructure('SIU', 'S14')).toBe('SIU_S12');
    expect(deriveStructure('ORU', 'R01')).toBe('ORU_R01');
  });

  it('decodes the character set MSH-18 names', () => {
    const latin = Buffer.concat([
      Buffer.from(`${msh('ADT^A08|M|P|2.5|||||GBR|8859/1')}\rPID|1||1^^^X^MR||Bront`, 'latin1'),
      Buffer.from([0xeb]),
    ]);
    const parsed = parseFrame(latin);
    expect(parsed.header.characterSet).toBe('8859/1');
    expect(fieldText(parsed.message.getSegment('PID'), 5, 1, 0, parsed.delimiters)).toBe('Brontë');
    const utf8 = Buffer.from(
      `${msh('ADT^A08|M|P|2.5|||||GBR|UNICODE UTF-8')}\rPID|1||1^^^X^MR||Brontë`,
      'utf8',
    );
    expect(fieldText(parseFrame(utf8).message.getSegment('PID'), 5)).toBe('Brontë');
  });

  it('refuses what a sender must not send, with the field at fault', () => {
    const refusal = (text: string) => {
      try {
        parseFrame(Buffer.from(text));
      } catch (error) {
        const e = error as Hl7Error;
        return { ack: e.ackCode, condition: e.condition, field: e.location?.field };
      }
      return undefined;
    };
    expect(refusal('PID|1||x')).toEqual({ ack: 'AR', condition: 100, field: undefined });
    expect(refusal(msh('ADT^A01||P|2.5'))).toEqual({ ack: 'AR', condition: 101, field: 10 });
    expect(refusal(msh('ADT^A01|M|P|2.1'))).toEqual({ ack: 'AR', condition: 203, field: 12 });
    expect(refusal(msh('ADT^A01|M|P|3.0'))).toEqual({ ack: 'AR', condition: 203, field: 12 });
    expect(refusal(msh('ADT^A01|M|X|2.5'))).toEqual({ ack: 'AR', condition: 202, field: 11 });
    expect(refusal(msh('ADT^A01|M|P|2.5|||||GBR|EBCDIC'))).toEqual({ ack: 'AR', condition: 103, field: 18 });
  });
});
