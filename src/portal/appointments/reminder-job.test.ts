/** The reminder job on a real database: due appointments reminded once, across concurrent runs. */
import type { Appointment } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { waitFor } from '../../../test/support/platform/wait.js';
import { type PortalTest, startPortalTest } from '../../../test/support/portal/app.js';
import { book, createSchedule, createSlot } from '../../../test/support/portal/appointments.js';
import { REMINDER_CRON, REMINDER_QUEUE, type ReminderDeps, sendDueReminders } from './reminder-job.js';
import { LAST_REMINDED_EXTENSION } from './reminders.js';

describe.each(databaseKinds)('appointment reminders on %s', (kind) => {
  let p: PortalTest;
  let mine: Awaited<ReturnType<PortalTest['patient']>>;
  let schedule: string;
  let deps: ReminderDeps;
  const reminders = async (appointment: Appointment) =>
    (await p.events('appointment-reminder-due')).filter(
      (event) => event.key === `Appointment/${appointment.id}`,
    );
  const remindedAt = async (appointment: Appointment) =>
    (
      (await p.call(mine.token, 'GET', `/fhir/R4/Appointment/${appointment.id}`)).json() as Appointment
    ).extension?.find((extension) => extension.url === LAST_REMINDED_EXTENSION)?.valueDateTime;

  beforeAll(async () => {
    p = await startPortalTest(kind);
    mine = await p.patient('Mine');
    schedule = await createSchedule(p);
    deps = { db: p.t.pathways.db, audit: p.t.pathways.audit, leadS: 48 * 3600 };
  });
  afterAll(() => p.close());

  it('reminds booked appointments starting within 48 hours, once, and the patient sees when', async () => {
    const due = await book(p, mine.reference, await createSlot(p, schedule, 30));
    const later = await book(p, mine.reference, await createSlot(p, schedule, 60));
    const cancelledSlot = await createSlot(p, schedule, 31);
    const cancelled = await book(p, mine.reference, cancelledSlot);
    await p.call(p.clinician, 'PUT', `/fhir/R4/Appointment/${cancelled.id}`, {
      ...cancelled,
      status: 'cancelled',
    });

    const now = new Date();
    await sendDueReminders(deps, now);
    expect((await reminders(due)).map((event) => event.payload)).toEqual([
      { patient: mine.reference, appointment: `Appointment/${due.id}`, start: due.start },
    ]);
    expect(await remindedAt(due)).toBe(now.toISOString());
    expect(await reminders(later)).toEqual([]);
    expect(await reminders(cancelled)).toEqual([]);
    expect(await remindedAt(later)).toBeUndefined();

    await sendDueReminders(deps, new Date());
    expect(await reminders(due)).toHaveLength(1);
    expect(await remindedAt(due)).toBe(now.toISOString());
    const audited = await p.t.pathways.db.query<{ content: string }>(
      "SELECT content FROM audit_event WHERE patient = $1 AND content LIKE '%job:appointment-reminders%'",
      [mine.reference],
    );
    expect(audited.rows.length).toBeGreaterThanOrEqual(1);
  });

  it('reminds once when two replicas run the job at the same moment', async () => {
    const appointment = await book(p, mine.reference, await createSlot(p, schedule, 40));
    const now = new Date();
    await Promise.all([
      sendDueReminders(deps, now),
      sendDueReminders(deps, now),
      sendDueReminders(deps, now),
    ]);
    expect(await reminders(appointment)).toHaveLength(1);
  });

  it('runs every five minutes on the job runner', async () => {
    await waitFor(async () => {
      const schedules = await p.t.pathways.db.query<{ cron: string }>(
        'SELECT cron FROM pgboss.schedule WHERE name = $1',
        [REMINDER_QUEUE],
      );
      return schedules.rows[0]?.cron === REMINDER_CRON;
    }, 'the reminder schedule');
    const appointment = await book(p, mine.reference, await createSlot(p, schedule, 45));
    await p.t.pathways.outbox.jobs.send(REMINDER_QUEUE, {});
    await waitFor(
      async () => (await reminders(appointment)).length === 1,
      'the job to remind the appointment',
    );
  });
});
