/** When the next eRD issue may start: EPS's early window, London calendar days, authorisation expiry. */
import { describe, expect, it } from 'vitest';
import {
  authorisedUntilOf,
  initialRepeatState,
  nextIssueDate,
  nextIssueRefusal,
  scheduleNextIssue,
} from './repeat-state.js';

describe('repeat-dispensing schedule', () => {
  it('makes the next issue available a week before the supply runs out, from the start of that London day', () => {
    // Dispensed 10:15 on 5 January (GMT): 28 days' supply → from 00:00 on 26 January.
    expect(nextIssueDate(new Date('2026-01-05T10:15:00Z'), 28).toISOString()).toBe(
      '2026-01-26T00:00:00.000Z',
    );
    // 56 days → from 23 February.
    expect(nextIssueDate(new Date('2026-01-05T10:15:00Z'), 56).toISOString()).toBe(
      '2026-02-23T00:00:00.000Z',
    );
  });

  it('makes a weekly issue available at once', () => {
    const at = new Date('2026-01-05T10:15:00Z');
    expect(nextIssueDate(at, 7)).toEqual(at);
    expect(nextIssueDate(at, 1)).toEqual(at);
  });

  it('counts calendar days across the spring clock change (29 March 2026)', () => {
    // Dispensed 09:30 GMT on 20 March; 28 days → 10 April, which starts at 23:00 UTC on 9 April (BST).
    expect(nextIssueDate(new Date('2026-03-20T09:30:00Z'), 28).toISOString()).toBe(
      '2026-04-09T23:00:00.000Z',
    );
  });

  it('counts calendar days across the autumn clock change (25 October 2026)', () => {
    // Dispensed 23:30 BST on 15 October (22:30 UTC): a London date of the 15th, so from 5 November 00:00 GMT.
    expect(nextIssueDate(new Date('2026-10-15T22:30:00Z'), 28).toISOString()).toBe(
      '2026-11-05T00:00:00.000Z',
    );
    // 00:30 BST on 16 October is still 15 October in UTC, but the 16th in London.
    expect(nextIssueDate(new Date('2026-10-15T23:30:00Z'), 28).toISOString()).toBe(
      '2026-11-06T00:00:00.000Z',
    );
  });

  it('reads an authorisation expiry date as valid through that London day', () => {
    expect(authorisedUntilOf('2026-08-11').toISOString()).toBe('2026-08-11T23:00:00.000Z');
    expect(authorisedUntilOf('2026-12-11').toISOString()).toBe('2026-12-12T00:00:00.000Z');
    expect(authorisedUntilOf('2026-08-11T12:00:00+01:00').toISOString()).toBe('2026-08-11T11:00:00.000Z');
  });

  const terms = { issues: 3, intervalDays: 28, authorisationExpiry: '2026-12-31' };

  it('schedules the next issue when an issue becomes final, and nothing while it is not', () => {
    const repeat = initialRepeatState(terms);
    const at = new Date('2026-01-05T10:00:00Z');
    const scheduled = scheduleNextIssue(repeat, '0002', '0006', at, false);
    expect(scheduled.nextIssueFrom).toBe('2026-01-26T00:00:00.000Z');
    expect(scheduled.dispensedAt).toBe(at.toISOString());
    expect(scheduleNextIssue(repeat, '0002', '0003', at, false).nextIssueFrom).toBeUndefined();
    // An amendment of a final issue, or a claim, keeps the schedule.
    const later = new Date('2026-01-09T10:00:00Z');
    expect(scheduleNextIssue(scheduled, '0006', '0006', later, false).nextIssueFrom).toBe(
      scheduled.nextIssueFrom,
    );
    expect(scheduleNextIssue(scheduled, '0006', '0008', later, false).nextIssueFrom).toBe(
      scheduled.nextIssueFrom,
    );
    // A withdrawal unschedules it.
    expect(scheduleNextIssue(scheduled, '0006', '0002', later, false).nextIssueFrom).toBeUndefined();
  });

  it('ends the course after the last issue, when every item is cancelled, or when the authorisation ends first', () => {
    const at = new Date('2026-01-05T10:00:00Z');
    expect(
      scheduleNextIssue({ ...initialRepeatState(terms), issue: 3 }, '0002', '0006', at, false).ended,
    ).toBe('completed');
    expect(scheduleNextIssue(initialRepeatState(terms), '0002', '0006', at, true).ended).toBe('cancelled');
    const short = initialRepeatState({ ...terms, authorisationExpiry: '2026-01-20' });
    const ended = scheduleNextIssue(short, '0002', '0006', at, false);
    expect(ended.ended).toBe('expired');
    expect(ended.nextIssueFrom).toBeUndefined();
  });

  it('says why the next issue cannot start', () => {
    const scheduled = scheduleNextIssue(
      initialRepeatState(terms),
      '0002',
      '0006',
      new Date('2026-01-05T10:00:00Z'),
      false,
    );
    expect(nextIssueRefusal(scheduled, '0006', new Date('2026-01-25T23:59:59Z'))).toBe('not-yet');
    expect(nextIssueRefusal(scheduled, '0006', new Date('2026-01-26T00:00:00Z'))).toBeUndefined();
    expect(nextIssueRefusal(scheduled, '0003', new Date('2026-01-26T00:00:00Z'))).toBe('not-final');
    expect(nextIssueRefusal(scheduled, '0006', new Date('2027-01-01T00:00:00Z'))).toBe(
      'authorisation-expired',
    );
    expect(nextIssueRefusal({ ...scheduled, issue: 3 }, '0006', new Date('2026-02-01T00:00:00Z'))).toBe(
      'last-issue',
    );
  });
});
