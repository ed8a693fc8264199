import { describe, expect, it } from 'vitest';
import { formatHl7Instant, hl7Date, hl7Instant } from './hl7-time.js';

describe('HL7 times', () => {
  it('reads a time without an offset as Europe/London: GMT in winter, BST in summer', () => {
    expect(hl7Instant('20260105093000')).toBe('2026-01-05T09:30:00.000Z');
    expect(hl7Instant('20260705093000')).toBe('2026-07-05T08:30:00.000Z');
  });

  it('honours an explicit offset and fractions of a second', () => {
    expect(hl7Instant('20260705093000.25-0500')).toBe('2026-07-05T14:30:00.250Z');
    expect(hl7Instant('202601050930+0000')).toBe('2026-01-05T09:30:00.000Z');
  });

  it('accepts reduced precision and refuses what is not a TS', () => {
    expect(hl7Instant('2026')).toBe('2026-01-01T00:00:00.000Z');
    expect(hl7Instant('')).toBeUndefined();
    expect(hl7Instant('2026-01-05')).toBeUndefined();
    expect(hl7Instant('20261305')).toBeUndefined();
  });

  it('gives FHIR dates at the precision sent', () => {
    expect(hl7Date('19800102')).toBe('1980-01-02');
    expect(hl7Date('198001')).toBe('1980-01');
    expect(hl7Date('19801302')).toBeUndefined();
  });

  it('formats what we send in UTC with its offset', () => {
    expect(formatHl7Instant(new Date('2026-07-05T08:30:00Z'))).toBe('20260705083000+0000');
  });
});
