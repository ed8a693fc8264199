/**
 * The patient's nominated pharmacy: where new prescriptions go when the prescriber names none.
 * Search by name or postcode, choose one, or remove it (after a confirmation step,
 * RemoveNomination.tsx); prescriptions already with a pharmacy stay there.
 */
import type { Organization } from '@medplum/fhirtypes';
import { type FormEvent, useState } from 'react';
import { findPharmacies, nominatePharmacy, readNomination, removeNomination } from '../api/portal';
import { useLoad, useSubmit } from '../app/hooks';
import { useFocusWhen, useTitle } from '../app/page';
import { Button, SuccessBanner, SummaryList } from '../components/content';
import { ErrorSummary, errorFor } from '../components/ErrorSummary';
import { TextInput } from '../components/fields';
import { odsOf, pharmacyAddress, pharmacySearchErrors } from '../domain/pharmacies';
import { fieldOf } from '../domain/problem';
import { LoadStatus, PageHeading } from './common';
import { RemoveNomination } from './RemoveNomination';

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
  /** What the patient did on this page: chose a pharmacy, or removed the one they had. */
  const [change, setChange] = useState<{ chosen: Organization } | { removed: Organization } | undefined>(
    undefined,
  );
  const search = useSubmit();
  const choose = useSubmit();
  const remove = useSubmit();
  const errors = [search, choose, remove].find((form) => form.errors.length > 0)?.errors ?? [];
  /** One error summary for the page: a new action's answer replaces the last one's. */
  const clearErrors = () => {
    for (const form of [search, choose, remove]) form.setErrors([]);
  };
  useTitle('Your nominated pharmacy', errors.length > 0);
  const banner = useFocusWhen<HTMLDivElement>(change);
  const results$ = useFocusWhen<HTMLHeadingElement>(results);
  const current = change ? ('chosen' in change ? change.chosen : undefined) : loaded.data?.pharmacy;

  async function find(event: FormEvent) {
    event.preventDefault();
    const found = pharmacySearchErrors(words);
    clearErrors();
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
    clearErrors();
    const answer = await choose.run(() => nominatePharmacy(patientId, ods));
    if (answer) {
      setChange({ chosen: answer.pharmacy ?? pharmacy });
      setResults(undefined);
    }
  }

  async function removeCurrent(pharmacy: Organization) {
    clearErrors();
    const answer = await remove.run(() => removeNomination(patientId));
    if (answer) setChange({ removed: pharmacy });
  }

  return (
    <>
      {change ? (
        <div ref={banner} tabIndex={-1}>
          <SuccessBanner>
            {'chosen' in change ? (
              <>
                <p className="nhsuk-notification-banner__heading">
                  Your nominated pharmacy is now {change.chosen.name ?? odsOf(change.chosen)}.
                </p>
                <p className="nhsuk-body">
                  New prescriptions will go there. Prescriptions already with a pharmacy stay where they are.
                </p>
              </>
            ) : (
              <>
                <p className="nhsuk-notification-banner__heading">
                  {change.removed.name ?? odsOf(change.removed)} is no longer your nominated pharmacy.
                </p>
                <p className="nhsuk-body">
                  New prescriptions will not go to a pharmacy automatically. Prescriptions already with a
                  pharmacy stay where they are.
                </p>
              </>
            )}
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
          <>
            <SummaryList
              rows={[
                { key: 'Nominated pharmacy', value: current.name ?? odsOf(current) ?? '' },
                { key: 'Address', value: pharmacyAddress(current) || 'Not known' },
              ]}
            />
            <RemoveNomination
              key={odsOf(current) ?? current.id}
              pharmacy={current}
              busy={remove.busy}
              onRemove={() => void removeCurrent(current)}
            />
          </>
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
