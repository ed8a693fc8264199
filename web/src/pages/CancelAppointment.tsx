import { type FormEvent, useState } from 'react';
import { cancelAppointment, readAppointment } from '../api/portal';
import { setFlash } from '../app/flash';
import { useLoad, useSubmit } from '../app/hooks';
import { useTitle } from '../app/page';
import { navigate } from '../app/router';
import { Button, SummaryList } from '../components/content';
import { ErrorSummary, errorFor } from '../components/ErrorSummary';
import { Radios, Textarea } from '../components/fields';
import { BackLink, Link } from '../components/Link';
import { appointmentView } from '../domain/appointments';
import { formatDate, formatTimeRange } from '../domain/dates';
import { CANCEL_REASONS, cancelReason, OTHER_REASON } from '../domain/forms';
import { LoadStatus, PageHeading } from './common';

export function CancelAppointment({ appointmentId }: { appointmentId: string }) {
  const loaded = useLoad(() => readAppointment(appointmentId), appointmentId);
  const [choice, setChoice] = useState('');
  const [other, setOther] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('Cancel your appointment', errors.length > 0);
  const view = loaded.data ? appointmentView(loaded.data, new Date()) : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const outcome = cancelReason(choice, other);
    if ('error' in outcome) {
      setErrors([outcome.error]);
      return;
    }
    const cancelled = await run(() => cancelAppointment(appointmentId, outcome.reason));
    if (cancelled) {
      setFlash(
        appointmentView(cancelled, new Date()).hospitalRequest
          ? `We have asked the hospital to cancel your appointment on ${formatDate(view?.start)}. It is cancelled once the hospital confirms.`
          : `Your appointment on ${formatDate(view?.start)} has been cancelled.`,
      );
      navigate('/appointments');
    }
  }

  return (
    <>
      <BackLink to="/appointments">Back to your appointments</BackLink>
      <PageHeading>Cancel your appointment</PageHeading>
      <LoadStatus loaded={loaded} what="the appointment" notFound="We could not find this appointment." />
      {view ? (
        <>
          <SummaryList
            rows={[
              { key: 'When', value: formatTimeRange(view.start, view.end) },
              { key: 'What', value: view.title },
              ...(view.where ? [{ key: 'Where', value: view.where }] : []),
            ]}
          />
          {view.changeable ? (
            <form onSubmit={submit} noValidate>
              <ErrorSummary errors={errors} />
              <Radios
                id="reason"
                legend="Why are you cancelling?"
                legendSize="m"
                hint="This helps the clinic offer the time to someone else."
                value={choice}
                onChange={setChoice}
                error={errorFor(errors, 'reason')}
                choices={[
                  ...CANCEL_REASONS.map((reason) => ({ value: reason, label: reason })),
                  {
                    value: OTHER_REASON,
                    label: 'Another reason',
                    conditional: (
                      <Textarea
                        id="other-reason"
                        label="Tell us why"
                        value={other}
                        onChange={setOther}
                        error={errorFor(errors, 'other-reason')}
                        rows={3}
                      />
                    ),
                  },
                ]}
              />
              <Button variant="warning" disabled={busy}>
                Cancel appointment
              </Button>
              <p className="nhsuk-body">
                <Link to="/appointments">Keep this appointment</Link>
              </p>
            </form>
          ) : (
            <p className="nhsuk-body">
              This appointment cannot be cancelled online. Call the clinic if you need to.
            </p>
          )}
        </>
      ) : null}
    </>
  );
}
