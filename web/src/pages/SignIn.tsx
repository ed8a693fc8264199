import { useState } from 'react';
import type { PendingSignIn } from '../api/session';
import { useFocusOnArrival, useTitle } from '../app/page';
import { navigate, safeReturnPath, useLocation } from '../app/router';
import { Link } from '../components/Link';
import { CodeStep, PasswordStep } from '../components/SignInSteps';
import { homeOf } from '../domain/claims';
import type { Errors } from '../domain/forms';

function PasswordPage(props: { onDone: (pending: PendingSignIn, smsSent: boolean) => void }) {
  const [errors, setErrors] = useState<Errors>([]);
  useTitle('Sign in', errors.length > 0);
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <>
      <h1 className="nhsuk-heading-l" ref={heading} tabIndex={-1}>
        Sign in to Pathways
      </h1>
      <p className="nhsuk-body">
        See your prescriptions, request repeats, manage your hospital appointments and see your test results.
      </p>
      <PasswordStep onErrors={setErrors} onDone={props.onDone} />
      <h2 className="nhsuk-heading-m">New to Pathways?</h2>
      <p className="nhsuk-body">
        <Link to="/enrol">Create an account</Link> with your NHS or CHI number.
      </p>
    </>
  );
}

function CodePage(props: { pending: PendingSignIn; smsSent: boolean; next: string | null }) {
  const [errors, setErrors] = useState<Errors>([]);
  useTitle('Enter your security code', errors.length > 0);
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <>
      <h1 className="nhsuk-heading-l" ref={heading} tabIndex={-1}>
        Enter your security code
      </h1>
      <CodeStep
        pending={props.pending}
        smsSent={props.smsSent}
        onErrors={setErrors}
        onDone={(session) =>
          navigate(props.next ? safeReturnPath(props.next) : homeOf(session.claims), { replace: true })
        }
      />
      <p className="nhsuk-body">
        <a href="/sign-in">Start again</a>
      </p>
    </>
  );
}

export function SignIn() {
  const { search } = useLocation();
  const next = new URLSearchParams(search).get('next');
  const [step, setStep] = useState<{ pending: PendingSignIn; smsSent: boolean } | undefined>();
  if (!step) return <PasswordPage onDone={(pending, smsSent) => setStep({ pending, smsSent })} />;
  return <CodePage pending={step.pending} smsSent={step.smsSent} next={next} />;
}
