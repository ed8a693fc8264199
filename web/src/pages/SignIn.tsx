/**
 * The portal's own sign-in: password, then a security code, then the page the person asked for (or
 * their home page). A locked account is offered the same self-unlock step as the /oauth2/authorize
 * page (components/UnlockStep.tsx), and comes back to the password step with its username filled in.
 */
import { useState } from 'react';
import type { PendingSignIn } from '../api/session';
import { useFocusOnArrival, useTitle } from '../app/page';
import { navigate, safeReturnPath, useLocation } from '../app/router';
import { Link } from '../components/Link';
import { CodeStep, PasswordStep } from '../components/SignInSteps';
import { UnlockedNotice, UnlockOffer, UnlockStep } from '../components/UnlockStep';
import { homeOf } from '../domain/claims';
import type { Errors } from '../domain/forms';

type Step =
  | { kind: 'password'; username?: string; unlocked?: boolean }
  | { kind: 'code'; pending: PendingSignIn; smsSent: boolean }
  | { kind: 'unlock'; username: string };

function PasswordPage(props: {
  username: string | undefined;
  unlocked: boolean | undefined;
  onUnlock: (username: string) => void;
  onDone: (pending: PendingSignIn, smsSent: boolean) => void;
}) {
  const [errors, setErrors] = useState<Errors>([]);
  const [locked, setLocked] = useState<string | undefined>();
  useTitle('Sign in', errors.length > 0);
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <>
      <h1 className="nhsuk-heading-l" ref={heading} tabIndex={-1}>
        Sign in to Pathways
      </h1>
      <UnlockedNotice unlocked={props.unlocked} />
      <p className="nhsuk-body">
        See your prescriptions, request repeats, manage your hospital appointments and see your test results.
      </p>
      <PasswordStep
        initialUsername={props.username}
        onErrors={setErrors}
        onLocked={setLocked}
        onDone={props.onDone}
      />
      {locked ? <UnlockOffer onUnlock={() => props.onUnlock(locked)} /> : null}
      <h2 className="nhsuk-heading-m">New to Pathways?</h2>
      <p className="nhsuk-body">
        <Link to="/enrol">Create an account</Link> with your NHS or CHI number.
      </p>
    </>
  );
}

function UnlockPage(props: { username: string; onUnlocked: () => void }) {
  const [errors, setErrors] = useState<Errors>([]);
  useTitle('Unlock your account', errors.length > 0);
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <>
      <h1 className="nhsuk-heading-l" ref={heading} tabIndex={-1}>
        Unlock your account
      </h1>
      <UnlockStep username={props.username} onErrors={setErrors} onUnlocked={props.onUnlocked} />
      <p className="nhsuk-body">
        <a href="/sign-in">Back to sign in</a>
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
  const [step, setStep] = useState<Step>({ kind: 'password' });
  if (step.kind === 'code') return <CodePage pending={step.pending} smsSent={step.smsSent} next={next} />;
  if (step.kind === 'unlock')
    return (
      <UnlockPage
        username={step.username}
        onUnlocked={() => setStep({ kind: 'password', username: step.username, unlocked: true })}
      />
    );
  return (
    <PasswordPage
      username={step.username}
      unlocked={step.unlocked}
      onUnlock={(username) => setStep({ kind: 'unlock', username })}
      onDone={(pending, smsSent) => setStep({ kind: 'code', pending, smsSent })}
    />
  );
}
