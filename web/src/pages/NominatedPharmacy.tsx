/**
 * The patient's nominated pharmacy: where new prescriptions go when the prescriber names none.
 * Search by name or postcode, choose one; prescriptions already with a pharmacy stay there.
 */
import type { Organization } from '@medplum/fhirtypes';
import { type FormEvent, useState } from 'react';
import { findPharmacies, nominatePharmacy, readNomination } from '../api/portal';
import { useLoad, useSubmit } from '../app/hooks';
import { useFocusWhen, useTitle } from '../app/page';
import { Button, SuccessBanner, SummaryList } from '../components/content';
import { ErrorSummary, errorFor } from '../components/ErrorSummary';
import { TextInput } from '../components/fields';
import { odsOf, pharmacyAddress, pharmacySearchErrors } from '../domain/pharmacies';
import { fieldOf } from '../domain/problem';
import { LoadStatus, PageHeading } from './common';

function PharmacyResult(props: {
  pharmacy: Organization;
  current: boolean;
  busy: boolean;
  onChoose: () => void;
}) {
  const { pharmacy } = props;
  const phone = pharmacy.telecom?.find((telecom) => telecom.system === 'phone')?.value;
  return (
    <li className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h3 className="nhsuk-card__heading nhsuk-heading-s">{pharmacy.name ?? odsOf(pharmacy)}</h3>
        <p className="nhsuk-body">
          {pharmacyAddress(pharmacy)}
          {phone ? (
            <>
              <br />
              Phone: {phone}
            </>
          ) : null}
        </p>
        {props.current ? (
          <p className="nhsuk-body">This is your nominated pharmacy.</p>
        ) : (
          <Button variant="secondary" type="button" onClick={props.onChoose} disabled={props.busy}>
            Choose this pharmacy<span className="nhsuk-u-visually-hidden"> for {pharmacy.name}</span>
          </Button>
        )}
      </div>
    </li>
  );
}

export function NominatedPharmacy({ patientId }: { patientId: string }) {
  const loaded = useLoad(() => readNomination(patientId), patientId);
  const [words, setWords] = useState('');
  const [results, setResults] = useState<Organization[] | undefined>(undefined);
  const [chosen, setChosen] = useState<Organization | undefined>(undefined);
  const search = useSubmit();
  const choose = useSubmit();
  const errors = search.errors.length > 0 ? search.errors : choose.errors;
  useTitle('Your nominated pharmacy', errors.length > 0);
  const banner = useFocusWhen<HTMLDivElement>(chosen);
  const results$ = useFocusWhen<HTMLHeadingElement>(results);
  const current = chosen ?? loaded.data?.pharmacy;

  async function find(event: FormEvent) {
    event.preventDefault();
    const found = pharmacySearchErrors(words);
    search.setErrors(found);
    if (found.length > 0) return;
    const answer = await search.run(
      () => findPharmacies(words),
      (problem) => [{ field: fieldOf(problem, ['q']) ? 'pharmacy-search' : '', message: problem.message }],
    );
    if (answer) setResults(answer);
  }

  async function nominate(pharmacy: Organization) {
    const ods = odsOf(pharmacy);
    if (!ods) return;
    const answer = await choose.run(() => nominatePharmacy(patientId, ods));
    if (answer) {
      setChosen(answer.pharmacy ?? pharmacy);
      setResults(undefined);
    }
  }

  return (
    <>
      {chosen ? (
        <div ref={banner} tabIndex={-1}>
          <SuccessBanner>
            <p className="nhsuk-notification-banner__heading">
              Your nominated pharmacy is now {chosen.name ?? odsOf(chosen)}.
            </p>
            <p className="nhsuk-body">
              New prescriptions will go there. Prescriptions already with a pharmacy stay where they are.
            </p>
          </SuccessBanner>
        </div>
      ) : null}
      <PageHeading>Your nominated pharmacy</PageHeading>
      <p className="nhsuk-body">
        Your GP practice or hospital sends your prescriptions to this pharmacy, unless they choose another one
        with you.
      </p>
      <LoadStatus loaded={loaded} what="your nominated pharmacy" />
      {loaded.data ? (
        current ? (
          <SummaryList
            rows={[
              { key: 'Nominated pharmacy', value: current.name ?? odsOf(current) ?? '' },
              { key: 'Address', value: pharmacyAddress(current) || 'Not known' },
            ]}
          />
        ) : (
          <p className="nhsuk-body">You have not nominated a pharmacy.</p>
        )
      ) : null}
      <form onSubmit={find} noValidate>
        <ErrorSummary errors={errors} />
        <h2 className="nhsuk-heading-m">{current ? 'Change your pharmacy' : 'Choose a pharmacy'}</h2>
        <TextInput
          id="pharmacy-search"
          label="Pharmacy name or postcode"
          hint="For example, High Street or LS1 6HB"
          value={words}
          onChange={setWords}
          error={errorFor(errors, 'pharmacy-search')}
          width={20}
          spellCheck={false}
        />
        <Button disabled={search.busy}>Search</Button>
      </form>
      {results ? (
        <>
          <h2 className="nhsuk-heading-m" ref={results$} tabIndex={-1}>
            {results.length === 1 ? '1 pharmacy found' : `${results.length} pharmacies found`}
          </h2>
          {results.length === 0 ? (
            <p className="nhsuk-body">Try part of the name, or the first half of the postcode.</p>
          ) : (
            <ul className="app-card-list">
              {results.map((pharmacy) => (
                <PharmacyResult
                  key={odsOf(pharmacy) ?? pharmacy.id}
                  pharmacy={pharmacy}
                  current={odsOf(pharmacy) !== undefined && odsOf(pharmacy) === (current && odsOf(current))}
                  busy={choose.busy}
                  onChoose={() => void nominate(pharmacy)}
                />
              ))}
            </ul>
          )}
        </>
      ) : null}
    </>
  );
}
