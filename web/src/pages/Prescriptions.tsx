import { readPrescriptions } from '../api/portal';
import { useLoad } from '../app/hooks';
import { useTitle } from '../app/page';
import { SummaryList, Tag } from '../components/content';
import { Link } from '../components/Link';
import { formatDate } from '../domain/dates';
import { type Prescription, prescriptionsOf } from '../domain/prescriptions';
import { LoadStatus, PageHeading } from './common';

function PrescriptionCard({ prescription }: { prescription: Prescription }) {
  const issued = formatDate(prescription.issued);
  return (
    <li className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading nhsuk-heading-m">
          {issued ? `Prescription of ${issued}` : 'Prescription'}
        </h2>
        <p className="nhsuk-body">
          <Tag colour={prescription.colour}>{prescription.status}</Tag>
        </p>
        {prescription.reference ? (
          <SummaryList
            rows={[
              {
                key: 'Prescription ID',
                value: <span className="app-identifier">{prescription.reference}</span>,
              },
            ]}
          />
        ) : null}
        {prescription.items.map((item) => (
          <section key={item.id} aria-label={item.medicine}>
            <h3 className="nhsuk-heading-s">{item.medicine}</h3>
            <SummaryList
              noBorder
              rows={[
                ...(item.dosage ? [{ key: 'How to take it', value: item.dosage }] : []),
                ...(item.quantity ? [{ key: 'Quantity', value: item.quantity }] : []),
                ...(item.status ? [{ key: 'Status', value: item.status }] : []),
                ...(item.repeat
                  ? [
                      {
                        key: 'Repeat request',
                        value: `${item.repeat.status}${item.repeat.requested ? ` (asked on ${formatDate(item.repeat.requested)})` : ''}`,
                      },
                    ]
                  : []),
              ]}
            />
            {item.repeatable ? (
              <p className="nhsuk-body">
                <Link to={`/prescriptions/${encodeURIComponent(item.id)}/repeat`}>
                  Request a repeat<span className="nhsuk-u-visually-hidden"> of {item.medicine}</span>
                </Link>
              </p>
            ) : null}
          </section>
        ))}
      </div>
    </li>
  );
}

export function Prescriptions({ patientId }: { patientId: string }) {
  useTitle('Your prescriptions');
  const loaded = useLoad(() => readPrescriptions(patientId), patientId);
  const prescriptions = loaded.data
    ? prescriptionsOf(loaded.data.tasks, loaded.data.requests, loaded.data.repeatRequests)
    : [];
  return (
    <>
      <PageHeading>Your prescriptions</PageHeading>
      <p className="nhsuk-body">
        Prescriptions from your GP practice or hospital, newest first, and where each one is now.
      </p>
      <LoadStatus loaded={loaded} what="your prescriptions" />
      {loaded.data && prescriptions.length === 0 ? (
        <p className="nhsuk-body">You have no prescriptions.</p>
      ) : null}
      {prescriptions.length > 0 ? (
        <ul className="app-card-list">
          {prescriptions.map((prescription) => (
            <PrescriptionCard key={prescription.id} prescription={prescription} />
          ))}
        </ul>
      ) : null}
    </>
  );
}
