import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/http';
import { availableSlots, readAppointment, readLocations, rescheduleAppointment } from '../api/portal';
import { setFlash } from '../app/flash';
import { useLoad, useSubmit } from '../app/hooks';
import { useTitle } from '../app/page';
import { navigate } from '../app/router';
import { Button, InsetText } from '../components/content';
import { ErrorSummary, errorFor } from '../components/ErrorSummary';
import { Radios } from '../components/fields';
import { BackLink, Link } from '../components/Link';
import { appointmentView, locationIds, slotChoices } from '../domain/appointments';
import { formatDateTime, formatTimeRange } from '../domain/dates';
import { LoadStatus, PageHeading } from './common';

export function Reschedule({ appointmentId }: { appointmentId: string }) {
  const loaded = useLoad(async () => {
    const appointment = await readAppointment(appointmentId);
    const locations = await readLocations(locationIds([appointment]));
    try {
      const slots = await availableSlots(appointmentId);
      return { appointment, locations, choices: slotChoices(slots, appointment), refusal: undefined };
    } catch (error) {
      // Too close to the start, or a type the clinic manages: the server says why.
      if (error instanceof ApiError && error.problem.status === 409) {
        return { appointment, locations, choices: [], refusal: error.problem.message };
      }
      throw error;
    }
  }, appointmentId);
  const [slot, setSlot] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('Change your appointment', errors.length > 0);
  const view = loaded.data
    ? appointmentView(loaded.data.appointment, new Date(), loaded.data.locations)
    : undefined;
  const callClinic = view?.phone ? `Call the clinic on ${view.phone}` : 'Call the clinic';
  const choices = loaded.data?.choices ?? [];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (slot === '') {
      setErrors([{ field: 'slot', message: 'Select a new date and time' }]);
      return;
    }
    const moved = await run(() => rescheduleAppointment(appointmentId, slot));
    if (moved) {
      const asked = appointmentView(moved, new Date()).hospitalRequest;
      const chosen = choices.find((choice) => choice.id === slot);
      setFlash(
        asked
          ? `We have asked the hospital to move your appointment to ${formatDateTime(chosen?.start)}. It moves once the hospital confirms.`
          : `Your appointment has been moved to ${formatDateTime(moved.start)}.`,
      );
      navigate('/appointments');
    }
  }

  return (
    <>
      <BackLink to="/appointments">Back to your appointments</BackLink>
      <PageHeading>Change your appointment</PageHeading>
      <LoadStatus loaded={loaded} what="free times" notFound="We could not find this appointment." />
      {view ? (
        <>
          <InsetText>
            <p>
              {view.title}: now {formatTimeRange(view.start, view.end)}
              {view.where ? `, ${view.where}` : ''}
            </p>
          </InsetText>
          {loaded.data?.refusal ? (
            <p className="nhsuk-body">
              {loaded.data.refusal} {callClinic} if you need to change it.
            </p>
          ) : choices.length === 0 ? (
            <p className="nhsuk-body">
              There are no other times free. {callClinic} to change your appointment.
            </p>
          ) : (
            <form onSubmit={submit} noValidate>
              <ErrorSummary errors={errors} />
              <Radios
                id="slot"
                legend="Choose a new date and time"
                legendSize="m"
                value={slot}
                onChange={setSlot}
                error={errorFor(errors, 'slot')}
                choices={choices.map((choice) => ({
                  value: choice.id,
                  label: formatTimeRange(choice.start, choice.end),
                }))}
              />
              <Button disabled={busy}>Change appointment</Button>
              <p className="nhsuk-body">
                <Link to="/appointments">Keep the current time</Link>
              </p>
            </form>
          )}
        </>
      ) : null}
    </>
  );
}
