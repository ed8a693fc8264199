import type { Patient } from '@medplum/fhirtypes';
import { readPatient } from '../api/portal';
import { useLoad } from '../app/hooks';
import { useTitle } from '../app/page';
import { type CardLink, CardLinks } from '../components/CardLinks';
import { SummaryList } from '../components/content';
import { Link } from '../components/Link';
import { formatDate } from '../domain/dates';
import { LoadStatus, PageHeading, spacedNumber } from './common';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const CHI = 'https://fhir.nhs.uk/Id/chi-number';

const SECTIONS: CardLink[] = [
  {
    to: '/prescriptions',
    title: 'Prescriptions',
    text: 'See your prescriptions and where each one is, and ask for a repeat',
  },
  { to: '/appointments', title: 'Appointments', text: 'See, cancel or change your hospital appointments' },
  { to: '/results', title: 'Test results', text: 'See test results once a clinician has checked them' },
  { to: '/contact-preferences', title: 'Contact details and preferences', text: 'Choose how we contact you' },
];

function nameOf(patient: Patient | undefined): string | undefined {
  const name = patient?.name?.find((item) => item.use === 'official') ?? patient?.name?.[0];
  if (!name) return undefined;
  return name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

function addressOf(patient: Patient) {
  const address = patient.address?.find((item) => item.use === 'home') ?? patient.address?.[0];
  if (!address) return 'Not known';
  const lines = [...(address.line ?? []), address.city, address.postalCode].filter(Boolean) as string[];
  return lines.map((line, index) => (
    <span key={`${index}-${line}`}>
      {line}
      {index < lines.length - 1 ? <br /> : null}
    </span>
  ));
}

export function Home({ patientId }: { patientId: string }) {
  useTitle('Your health');
  const patient = useLoad(() => readPatient(patientId), patientId);
  const name = nameOf(patient.data);
  const identifier = patient.data?.identifier?.find((item) => item.system === NHS || item.system === CHI);
  return (
    <>
      <PageHeading caption={name}>Your health</PageHeading>
      <CardLinks links={SECTIONS} />
      <h2 className="nhsuk-heading-m">Your details</h2>
      <LoadStatus loaded={patient} what="your details" />
      {patient.data ? (
        <>
          <SummaryList
            rows={[
              { key: 'Name', value: name ?? 'Not known' },
              { key: 'Date of birth', value: formatDate(patient.data.birthDate) || 'Not known' },
              {
                key: identifier?.system === CHI ? 'CHI number' : 'NHS number',
                value: spacedNumber(identifier?.value) || 'Not known',
              },
              { key: 'Address', value: addressOf(patient.data) },
            ]}
          />
          <p className="nhsuk-body">
            If these details are wrong, tell your GP practice. You can change your{' '}
            <Link to="/contact-preferences">mobile number and email address</Link> here.
          </p>
        </>
      ) : null}
    </>
  );
}
