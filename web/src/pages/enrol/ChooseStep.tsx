/** Step 3, how to get security codes; and the end, the account is ready. */
import { type FormEvent, useState } from 'react';
import { chooseMfa, type RegistrationStep } from '../../api/portal';
import { useSubmit } from '../../app/hooks';
import { useFocusOnArrival, useTitle } from '../../app/page';
import { Button, InsetText } from '../../components/content';
import { ErrorSummary, errorFor } from '../../components/ErrorSummary';
import { Radios } from '../../components/fields';
import { Link } from '../../components/Link';
import { StepHeading as Heading } from './StepHeading';

export function ChooseStep(props: {
  registration: string;
  mobile: string;
  onDone: (step: RegistrationStep, method: 'totp' | 'sms') => void;
}) {
  const [method, setMethod] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('How do you want to get security codes?', errors.length > 0);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (method !== 'totp' && method !== 'sms') {
      setErrors([{ field: 'method', message: 'Select how you want to get security codes' }]);
      return;
    }
    const step = await run(() => chooseMfa(props.registration, method));
    if (step) props.onDone(step, method);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Heading>How do you want to get security codes?</Heading>
      <ErrorSummary errors={errors} />
      <p className="nhsuk-body">
        Each time you sign in, you will enter your password and a 6-digit security code.
      </p>
      <Radios
        id="method"
        legend="Choose one"
        value={method}
        onChange={setMethod}
        error={errorFor(errors, 'method')}
        choices={[
          {
            value: 'totp',
            label: 'An authenticator app',
            hint: 'For example Google Authenticator or Microsoft Authenticator on your phone',
          },
          { value: 'sms', label: 'A text message', hint: `Sent to ${props.mobile}` },
        ]}
      />
      <Button disabled={busy}>Continue</Button>
    </form>
  );
}

export function DoneStep({ username }: { username: string }) {
  useTitle('Your account is ready');
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <>
      <div className="nhsuk-panel">
        <h1 className="nhsuk-panel__heading" ref={heading} tabIndex={-1}>
          Account created
        </h1>
        <div className="nhsuk-panel__body">
          Your username is <strong>{username}</strong>
        </div>
      </div>
      <InsetText>
        <p>Sign in with your username, your password and a security code.</p>
      </InsetText>
      <p className="nhsuk-body">
        <Link className="nhsuk-button" to="/sign-in" draggable="false">
          Sign in
        </Link>
      </p>
    </>
  );
}
