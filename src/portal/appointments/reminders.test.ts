import type { Appointment } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isReminderDue, LAST_REMINDED_EXTENSION, lastRemindedAt, withReminder } from './reminders.js';

const LEAD_S = 48 * 3600;
const appointment = (start: string, extra: Partial<Appointment> = {}): Appointment => ({
  resourceType: 'Appointment',
  status: 'booked',
  start,
  participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }],
  ...extra,
});
const due = (a: Appointment, now: string) => isReminderDue(a, new Date(now), LEAD_S);

describe('appointment reminder due', () => {
  it('is due from 48 hours before the start until the start', () => {
    const a = appointment('2026-06-10T09:00:00+01:00');
    expect(due(a, '2026-06-08T07:59:59Z')).toBe(false);
    expect(due(a, '2026-06-08T08:00:00Z')).toBe(true);
    expect(due(a, '2026-06-10T07:59:59Z')).toBe(true);
    expect(due(a, '2026-06-10T08:00:00Z')).toBe(false);
  });

  it('counts elapsed hours across the spring clock change (Europe/London, 29 March 2026)', () => {
    // 09:00 BST on Monday 30 March is 08:00Z; 48 hours earlier is 08:00 GMT on Saturday 28 March.
    const monday = appointment('2026-03-30T09:00:00+01:00');
    expect(due(monday, '2026-03-28T07:59:00+00:00')).toBe(false);
    expect(due(monday, '2026-03-28T08:00:00+00:00')).toBe(true);
    // 03:30 BST on the night of the change is 02:30Z: due from 02:30 GMT on Friday 27 March.
    const night = appointment('2026-03-29T03:30:00+01:00');
    expect(due(night, '2026-03-27T02:29:00+00:00')).toBe(false);
    expect(due(night, '2026-03-27T02:30:00+00:00')).toBe(true);
    expect(due(night, '2026-03-29T01:59:00+00:00')).toBe(true);
    expect(due(night, '2026-03-29T03:30:00+01:00')).toBe(false);
  });

  it('counts elapsed hours across the autumn clock change (Europe/London, 25 October 2026)', () => {
    // 01:30 happens twice that night: first in BST (00:30Z), an hour later in GMT (01:30Z).
    const first = appointment('2026-10-25T01:30:00+01:00');
    const second = appointment('2026-10-25T01:30:00+00:00');
    expect(due(first, '2026-10-23T01:29:00+01:00')).toBe(false);
    expect(due(first, '2026-10-23T01:45:00+01:00')).toBe(true);
    expect(due(second, '2026-10-23T01:45:00+01:00')).toBe(false);
    expect(due(second, '2026-10-23T02:30:00+01:00')).toBe(true);
    expect(due(first, '2026-10-25T01:30:00+01:00')).toBe(false);
    expect(due(second, '2026-10-25T01:15:00+00:00')).toBe(true);
    // 09:00 GMT on Monday 26 October is 09:00Z: not due at 09:30 BST (08:30Z) on Saturday 24th.
    const monday = appointment('2026-10-26T09:00:00+00:00');
    expect(due(monday, '2026-10-24T09:30:00+01:00')).toBe(false);
    expect(due(monday, '2026-10-24T10:00:00+01:00')).toBe(true);
  });

  it('is not due twice for the same start, but is again after a move to a later start', () => {
    const reminded = withReminder(appointment('2026-06-10T09:00:00Z'), new Date('2026-06-08T09:05:00Z'));
    expect(lastRemindedAt(reminded)?.toISOString()).toBe('2026-06-08T09:05:00.000Z');
    expect(due(reminded, '2026-06-09T09:00:00Z')).toBe(false);
    const movedLater = { ...reminded, start: '2026-06-14T09:00:00Z' };
    expect(due(movedLater, '2026-06-12T09:00:00Z')).toBe(true);
    // Moved earlier: the reminder already went out inside the new start's window.
    const movedEarlier = { ...reminded, start: '2026-06-10T08:00:00Z' };
    expect(due(movedEarlier, '2026-06-09T09:00:00Z')).toBe(false);
  });

  it('is never due for an appointment that is not booked or has no start', () => {
    const now = '2026-06-09T09:00:00Z';
    expect(due(appointment('2026-06-10T09:00:00Z', { status: 'cancelled' }), now)).toBe(false);
    expect(due(appointment('2026-06-10T09:00:00Z', { status: 'pending' }), now)).toBe(false);
    const { start: _start, ...withoutStart } = appointment('2026-06-10T09:00:00Z');
    expect(isReminderDue(withoutStart as Appointment, new Date(now), LEAD_S)).toBe(false);
  });

  it('records the reminder time once, keeping other extensions', () => {
    const other = { url: 'https://example.org/other', valueString: 'kept' };
    const first = withReminder(
      appointment('2026-06-10T09:00:00Z', { extension: [other] }),
      new Date('2026-06-08T09:00:00Z'),
    );
    const second = withReminder(first, new Date('2026-06-12T09:00:00Z'));
    expect(second.extension).toEqual([
      other,
      { url: LAST_REMINDED_EXTENSION, valueDateTime: '2026-06-12T09:00:00.000Z' },
    ]);
  });
});
