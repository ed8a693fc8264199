import { readOrganisationNames, readPrescriptions } from '../api/portal';
import { useLoad } from '../app/hooks';
import { useTitle } from '../app/page';
import { SummaryList, Tag } from '../components/content';
import { Link } from '../components/Link';
import { formatDate } from '../domain/dates';
import {
  issueLines,
  organisationCodes,
  organisationName,
  type Prescription,
  pharmacyRow,
  prescriptionsOf,
} from '../domain/prescriptions';
import { LoadStatus, PageHeading } from './common';

function PrescriptionCard(props: { prescription: Prescription; names: ReadonlyMap<string, string> }) {
  const { prescription, names } = props;
  const issued = formatDate(prescription.issued);
  const from = prescription.prescriberOrg ? organisationName(prescription.prescriberOrg, names) : undefined;
  return (
    <li className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading nhsuk-heading-m">{prescription.title}</h2>
        <p className="nhsuk-body">
          <Tag colour={prescription.colour}>{prescription.status}</Tag>
        </p>
        <SummaryList
          rows={[
            ...(from || issued
              ? [{ key: 'Prescribed by', value: [from, issued].filter(Boolean).join(', ') }]
              : []),
            pharmacyRow(prescription, names),
            ...(prescription.pharmacyUpdate
              ? [{ key: 'Update from the pharmacy', value: prescription.pharmacyUpdate }]
              : []),
            ...(prescription.repeatDispensing
              ? [
                  {
                    key: 'Repeat dispensing',
                    value: (
                      <>
                        {issueLines(prescription.repeatDispensing).map((line) => (
                          <span key={line} className="app-line">
                            {line}
                          </span>
                        ))}
                      </>
                    ),
                  },
                ]
              : []),
            ...(prescription.reference
              ? [
                  {
                    key: 'Prescription ID',
                    value: <span className="app-identifier">{prescription.reference}</span>,
                  },
                ]
              : []),
          ]}
        />
        {prescription.items.map((item) => (
          <section key={item.id} aria-label={item.medicine}>
            <h3 className="nhsuk-heading-s">{item.medicine}</h3>
            <SummaryList
              noBorder
              rows={[
                ...(item.dosage ? [{ key: 'How to take it', value: item.dosage }] : []),
                ...(item.quantity ? [{ key: 'Quantity', value: item.quantity }] : []),
                ...(item.status && !item.sameAsPrescription ? [{ key: 'Status', value: item.status }] : []),
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
  const loaded = useLoad(async () => {
    const data = await readPrescriptions(patientId);
    const prescriptions = prescriptionsOf(data.tasks, data.requests, data.repeatRequests);
    return { prescriptions, names: await readOrganisationNames(organisationCodes(prescriptions)) };
  }, patientId);
  const prescriptions = loaded.data?.prescriptions ?? [];
  const names = loaded.data?.names ?? new Map<string, string>();
  return (
    <>
      <PageHeading>Your prescriptions</PageHeading>
      <p className="nhsuk-body">
        Prescriptions from your GP practice or hospital, newest first, and where each one is now.
      </p>
      <p className="nhsuk-body">
        <Link to="/nominated-pharmacy">Choose or change your nominated pharmacy</Link>
      </p>
      <LoadStatus loaded={loaded} what="your prescriptions" />
      {loaded.data && prescriptions.length === 0 ? (
        <p className="nhsuk-body">You have no prescriptions.</p>
      ) : null}
      {prescriptions.length > 0 ? (
        <ul className="app-card-list">
          {prescriptions.map((prescription) => (
            <PrescriptionCard key={prescription.id} prescription={prescription} names={names} />
          ))}
        </ul>
      ) : null}
    </>
  );
}
