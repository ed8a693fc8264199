import { describe, expect, it } from 'vitest';
import { buildAck, enhancedPlan, isEnhancedMode } from './ack.js';
import { parseFrame } from './parse.js';

const header = parseFrame(
  Buffer.from('MSH|^~\\&|EPR|RXX01|PATHWAYS|PW|20260105093000||ADT^A01^ADT_A01|MSG0001|P|2.5.1'),
).header;

function segments(ack: string) {
  return ack
    .split('\r')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

describe('buildAck', () => {
  it('answers AA naming the control id, back to the sender', () => {
    const [msh, msa] = segments(buildAck({ header, code: 'AA', now: new Date('2026-01-05T09:30:01Z') }));
    expect(msh!.slice(2, 7)).toEqual(['PATHWAYS', 'PW', 'EPR', 'RXX01', '20260105093001+0000']);
    expect(msh![8]).toBe('ACK^A01^ACK');
    expect(msh![11]).toBe('2.5.1');
    expect(msa).toEqual(['MSA', 'AA', 'MSG0001']);
  });

  it('names the segment and field of an error in ERR (ERR-2/3 from v2.5, ERR-1 before)', () => {
    const problem = { condition: 101, text: 'PID-3 is empty', location: { segment: 'PID', field: 3 } };
    const [, msa, err] = segments(buildAck({ header, code: 'AE', problem }));
    expect(msa).toEqual(['MSA', 'AE', 'MSG0001', 'PID-3 is empty']);
    expect(err![2]).toBe('PID^1^3^1');
    expect(err![3]).toBe('101^Required field missing^HL70357');
    expect(err![4]).toBe('E');
    const older = { ...header, version: '2.3' };
    const [, , err23] = segments(buildAck({ header: older, code: 'AE', problem }));
    expect(err23![1]).toBe('PID^1^3^101&Required field missing');
  });

  it('escapes delimiters in the text it echoes', () => {
    const problem = { condition: 207, text: 'a|b^c' };
    const [, msa] = segments(buildAck({ header, code: 'AE', problem }));
    expect(msa![3]).toBe('a\\F\\b\\S\\c');
  });
});

describe('enhanced mode', () => {
  it('is chosen by MSH-15 or MSH-16', () => {
    expect(isEnhancedMode({ acceptAckType: '', applicationAckType: '' })).toBe(false);
    expect(isEnhancedMode({ acceptAckType: 'AL', applicationAckType: '' })).toBe(true);
  });

  it('sends each ACK only when asked: AL, ER, SU, NE', () => {
    const ok = { stored: true, applied: true };
    const failed = { stored: true, applied: false };
    expect(enhancedPlan({ acceptAckType: 'AL', applicationAckType: 'AL' }, ok)).toEqual({
      commit: true,
      application: true,
    });
    expect(enhancedPlan({ acceptAckType: 'NE', applicationAckType: 'ER' }, ok)).toEqual({
      commit: false,
      application: false,
    });
    expect(enhancedPlan({ acceptAckType: 'ER', applicationAckType: 'ER' }, failed)).toEqual({
      commit: false,
      application: true,
    });
    expect(enhancedPlan({ acceptAckType: 'SU', applicationAckType: 'SU' }, failed)).toEqual({
      commit: true,
      application: false,
    });
  });
});
