/**
 * The appointment reminder job: every few minutes (pg-boss cron, one job per tick whatever the
 * number of replicas) it finds booked appointments starting within the lead time that have not
 * been reminded for that start, and for each one, in one transaction under the appointment's
 * row lock, records `last-reminded-at` on the appointment and emits `appointment-reminder-due`.
 * A replica that loses the race re-reads the reminded version and does nothing.
 */
import type { Appointment } from '@medplum/fhirtypes';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import type { Database } from '../../platform/database/database.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { readCurrent, updateResource } from '../../platform/fhir/store/repository.js';
import type { JobRunner } from '../../platform/jobs/job-runner.js';
import type { Logger } from '../../platform/logging/logger.js';
import { emit } from '../../platform/outbox/outbox.js';
import { isReminderDue, withReminder } from './reminders.js';

export const REMINDER_QUEUE = 'portal.appointment-reminders';
export const REMINDER_CRON = '*/5 * * * *';
const PAGE = 500;
const AGENT = { display: 'job:appointment-reminders' };

export interface ReminderDeps {
  db: Database;
  audit: { record(input: AuditInput): Promise<void> };
  leadS: number;
}

/** Sends every reminder due at `now`; returns how many it sent. */
export async function sendDueReminders(deps: ReminderDeps, now: Date): Promise<number> {
  let sent = 0;
  let after: { low: Date; id: string } | undefined;
  for (;;) {
    const page = await candidates(deps, now, after);
    for (const candidate of page) {
      if (isReminderDue(candidate.appointment, now, deps.leadS) && (await remind(deps, candidate.id, now)))
        sent++;
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) return sent;
    after = { low: last.low, id: last.id };
  }
}

interface Candidate {
  id: string;
  low: Date;
  appointment: Appointment;
}

/** Booked appointments starting in (now, now + lead], from the search index, a page at a time. */
async function candidates(deps: ReminderDeps, now: Date, after: { low: Date; id: string } | undefined) {
  const until = new Date(now.getTime() + deps.leadS * 1000);
  const result = await deps.db.query<{ id: string; low: Date | string; content: string }>(
    `SELECT r.id, d.low, r.content FROM fhir_resource r
     JOIN search_date d ON d.resource_type = 'Appointment' AND d.id = r.id AND d.param = 'date'
     WHERE r.resource_type = 'Appointment' AND NOT r.deleted AND d.low > $1 AND d.low <= $2
       AND EXISTS (SELECT 1 FROM search_token t WHERE t.resource_type = 'Appointment' AND t.id = r.id
                   AND t.param = 'status' AND t.value = 'booked')
       AND (d.low, r.id) > ($3::timestamptz, $4::text)
     ORDER BY d.low, r.id LIMIT ${PAGE}`,
    [now, until, after?.low ?? new Date(0), after?.id ?? ''],
  );
  return result.rows.map(
    (row): Candidate => ({
      id: row.id,
      low: new Date(row.low),
      appointment: JSON.parse(row.content) as Appointment,
    }),
  );
}

async function remind(deps: ReminderDeps, id: string, now: Date): Promise<boolean> {
  const reminded = await deps.db.transaction(async (tx) => {
    const stored = await readCurrent(tx, 'Appointment', id, { forUpdate: true });
    if (!stored || stored.deleted) return undefined;
    const appointment = JSON.parse(stored.content) as Appointment;
    const patient = patientOf(appointment);
    if (!patient || !isReminderDue(appointment, now, deps.leadS)) return undefined;
    await updateResource(tx, 'Appointment', id, withReminder(appointment, now));
    await emit(tx, {
      type: 'appointment-reminder-due',
      key: `Appointment/${id}`,
      payload: { patient, appointment: `Appointment/${id}`, start: appointment.start },
    });
    return patient;
  });
  if (!reminded) return false;
  await deps.audit.record({
    action: 'U',
    subtype: 'update',
    outcome: '0',
    agent: AGENT,
    entity: { reference: `Appointment/${id}` },
    patient: reminded,
    detail: 'reminder due: last-reminded-at recorded',
  });
  return true;
}

/** Declares the queue, its worker and the cron schedule (applied once the job runner starts). */
export async function startReminderJob(jobs: JobRunner, deps: ReminderDeps, log: Logger): Promise<void> {
  await jobs.createQueue(REMINDER_QUEUE, {
    retry: { limit: 2, baseDelayS: 10, maxDelayS: 60 },
    expireInS: 600,
  });
  jobs.work(
    REMINDER_QUEUE,
    async () => {
      const sent = await sendDueReminders(deps, new Date());
      if (sent > 0) log.info({ sent }, 'appointment reminders due');
    },
    { concurrency: 1 },
  );
  await jobs.schedule(REMINDER_QUEUE, REMINDER_CRON);
}
