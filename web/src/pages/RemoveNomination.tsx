/**
 * Removing the nominated pharmacy, in two steps: a button, then a question that says what happens
 * to new prescriptions and asks to confirm, so that a stray tap removes nothing. "No" puts focus
 * back on the button, so keyboard and screen-reader users stay where they were.
 */
import type { Organization } from '@medplum/fhirtypes';
import { useEffect, useRef, useState } from 'react';
import { useFocusWhen } from '../app/page';
import { Button } from '../components/content';
import { odsOf } from '../domain/pharmacies';

export function RemoveNomination(props: { pharmacy: Organization; busy: boolean; onRemove: () => void }) {
  const [asking, setAsking] = useState(false);
  const [kept, setKept] = useState(0);
  const question = useFocusWhen<HTMLHeadingElement>(asking);
  const start = useRef<HTMLDivElement>(null);
  const name = props.pharmacy.name ?? odsOf(props.pharmacy) ?? 'this pharmacy';

  useEffect(() => {
    if (kept > 0) start.current?.querySelector('button')?.focus();
  }, [kept]);

  if (!asking) {
    return (
      <div ref={start}>
        <Button variant="secondary" type="button" onClick={() => setAsking(true)}>
          Remove your nominated pharmacy
        </Button>
      </div>
    );
  }
  return (
    <section className="nhsuk-card nhsuk-card--warning" aria-labelledby="remove-nomination-question">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading" id="remove-nomination-question" ref={question} tabIndex={-1}>
          Remove {name} as your nominated pharmacy?
        </h2>
        <p className="nhsuk-body">
          New prescriptions will no longer go to a pharmacy automatically. Your GP practice or hospital can
          send each one to a pharmacy you choose with them, or you can get it from any pharmacy.
        </p>
        <p className="nhsuk-body">Prescriptions already with a pharmacy stay where they are.</p>
        <div className="nhsuk-button-group">
          <Button variant="warning" type="button" onClick={props.onRemove} disabled={props.busy}>
            Yes, remove it
          </Button>
          <Button
            variant="secondary"
            type="button"
            onClick={() => {
              setAsking(false);
              setKept((count) => count + 1);
            }}
            disabled={props.busy}
          >
            No, keep it
          </Button>
        </div>
      </div>
    </section>
  );
}
