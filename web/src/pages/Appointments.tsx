import { useState } from 'react';
import { readAppointments, readLocations } from '../api/portal';
import { takeFlash } from '../app/flash';
import { useLoad } from '../app/hooks';
import { useTitle } from '../app/page';
import { SuccessBanner, SummaryList, Tag } from '../components/content';
import { Link } from '../components/Link';
import { type AppointmentView, locationIds, splitAppointments } from '../domain/appointments';
import { formatDate, formatDateTime, formatTimeRange } from '../domain/dates';
import { LoadStatus, PageHeading } from './common';

function AppointmentCard({ view, upcoming }: { view: AppointmentView; upcoming: boolean }) {
  const when = formatTimeRange(view.start, view.end) || 'Date to be confirmed';
  return (
    <li className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h3 className="nhsuk-card__heading nhsuk-heading-s">{when}</h3>
        <SummaryList
          noBorder
          rows={[
            { key: 'What', value: view.title },
            ...(view.where ? [{ key: 'Where', value: view.where }] : []),
            ...(view.phone
              ? [
                  {
                    key: 'Phone',
                    value: <a href={`tel:${view.phone.replace(/[^\d+]/g, '')}`}>{view.phone}</a>,
                  },
                ]
              : []),
            {
              key: 'Status',
              value: (
                <Tag
                  colour={view.status === 'cancelled' ? 'red' : view.status === 'booked' ? 'blue' : 'grey'}
                >
                  {view.statusText}
                </Tag>
              ),
            },
            ...(view.cancellationReason ? [{ key: 'Reason', value: view.cancellationReason }] : []),
            ...(view.hospitalRequest
              ? [
                  {
                    key: 'Your request',
                    value: (
                      <Tag colour={view.hospitalRequest.refused ? 'red' : 'yellow'}>
                        {view.hospitalRequest.text}
                      </Tag>
                    ),
                  },
                ]
              : []),
            ...(view.confirmedAt
              ? [{ key: 'Last confirmed by the hospital', value: formatDateTime(view.confirmedAt) }]
              : []),
            ...(upcoming && view.lastRemindedAt
              ? [{ key: 'Reminder sent', value: formatDateTime(view.lastRemindedAt) }]
              : []),
          ]}
        />
        {upcoming && view.changeable ? (
          <ul className="nhsuk-list">
            <li>
              <Link to={`/appointments/${encodeURIComponent(view.id)}/reschedule`}>
                Change the date and time
                <span className="nhsuk-u-visually-hidden">
                  {' '}
                  of the appointment on {formatDate(view.start)}
                </span>
              </Link>
            </li>
            <li>
              <Link to={`/appointments/${encodeURIComponent(view.id)}/cancel`}>
                Cancel this appointment
                <span className="nhsuk-u-visually-hidden"> on {formatDate(view.start)}</span>
              </Link>
            </li>
          </ul>
        ) : null}
      </div>
    </li>
  );
}

export function Appointments({ patientId }: { patientId: string }) {
  useTitle('Your appointments');
  const [flash] = useState(takeFlash);
  const loaded = useLoad(async () => {
    const appointments = await readAppointments(patientId);
    return { appointments, locations: await readLocations(locationIds(appointments)) };
  }, patientId);
  const { upcoming, past } = splitAppointments(
    loaded.data?.appointments ?? [],
    new Date(),
    loaded.data?.locations ?? [],
  );
  return (
    <>
      {flash ? (
        <SuccessBanner>
          <p className="nhsuk-notification-banner__heading">{flash}</p>
        </SuccessBanner>
      ) : null}
      <PageHeading>Your appointments</PageHeading>
      <LoadStatus loaded={loaded} what="your appointments" />
      {loaded.data ? (
        <>
          <h2 className="nhsuk-heading-m">Upcoming appointments</h2>
          {upcoming.length === 0 ? (
            <p className="nhsuk-body">You have no upcoming appointments.</p>
          ) : (
            <ul className="app-card-list">
              {upcoming.map((view) => (
                <AppointmentCard key={view.id} view={view} upcoming />
              ))}
            </ul>
          )}
          <p className="nhsuk-body">
            You can change or cancel an appointment here until 24 hours before it. After that, call the clinic
            on the phone number shown with the appointment.
          </p>
          <h2 className="nhsuk-heading-m">Past and cancelled appointments</h2>
          {past.length === 0 ? (
            <p className="nhsuk-body">You have no past appointments.</p>
          ) : (
            <ul className="app-card-list">
              {past.map((view) => (
                <AppointmentCard key={view.id} view={view} upcoming={false} />
              ))}
            </ul>
          )}
        </>
      ) : null}
    </>
  );
}
