/**
 * The /oauth2/authorize sign-in page: the portal's own sign-in steps (password, security code,
 * self-unlock), then the browser goes back to the client's redirect_uri with the code and state.
 * The server has validated the request and hands it over in data- attributes (the CSP allows no
 * inline script), so nothing here trusts the address bar.
 */
import { useState } from 'react';
import type { AuthorizeFor, PendingSignIn } from '../api/session';
import { useFocusOnArrival, useTitle } from '../app/page';
import { CodeStep, PasswordStep } from '../components/SignInSteps';
import { UnlockedNotice, UnlockOffer, UnlockStep } from '../components/UnlockStep';
import type { Errors } from '../domain/forms';

export interface AuthorizeRequest extends AuthorizeFor {
  redirectUri: string;
  state: string | undefined;
  /** This page's own address, to start again with the same request. */
  self: string;
}

export function requestFrom(element: HTMLElement): AuthorizeRequest | undefined {
  const { redirectUri, codeChallenge, state, scope, self } = element.dataset;
  if (!redirectUri || !codeChallenge || !self) return undefined;
  return { redirectUri, codeChallenge, state, scope, self };
}

export function returnAddress(request: AuthorizeRequest, code: string): string {
  const target = new URL(request.redirectUri);
  target.searchParams.set('code', code);
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  return target.href;
}

type Step =
  | { kind: 'password'; username?: string; unlocked?: boolean }
  | { kind: 'code'; pending: PendingSignIn; smsSent: boolean }
  | { kind: 'unlock'; username: string };

function Heading({ text }: { text: string }) {
  const ref = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <h1 className="nhsuk-heading-l" ref={ref} tabIndex={-1}>
      {text}
    </h1>
  );
}

function StartAgain({ self, text }: { self: string; text: string }) {
  return (
    <p className="nhsuk-body">
      <a href={self}>{text}</a>
    </p>
  );
}

export function AuthorizeSignIn({ request }: { request: AuthorizeRequest }) {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [errors, setErrors] = useState<Errors>([]);
  const [locked, setLocked] = useState<string | undefined>();
  const title =
    step.kind === 'code'
      ? 'Enter your security code'
      : step.kind === 'unlock'
        ? 'Unlock your account'
        : 'Sign in';
  useTitle(title, errors.length > 0);
  const go = (next: Step) => {
    setErrors([]);
    setStep(next);
  };

  if (step.kind === 'code')
    return (
      <>
        <Heading key="code" text="Enter your security code" />
        <CodeStep
          pending={step.pending}
          smsSent={step.smsSent}
          onErrors={setErrors}
          onCode={(code) => window.location.assign(returnAddress(request, code))}
        />
        <StartAgain self={request.self} text="Start again with your username and password" />
      </>
    );

  if (step.kind === 'unlock')
    return (
      <>
        <Heading key="unlock" text="Unlock your account" />
        <UnlockStep
          username={step.username}
          onErrors={setErrors}
          onUnlocked={() => {
            setLocked(undefined);
            go({ kind: 'password', username: step.username, unlocked: true });
          }}
        />
        <StartAgain self={request.self} text="Back to sign in" />
      </>
    );

  return (
    <>
      <Heading key="password" text="Sign in to Pathways" />
      <UnlockedNotice unlocked={step.unlocked} />
      <PasswordStep
        key={step.username ?? ''}
        initialUsername={step.username}
        authorize={request}
        onErrors={setErrors}
        onLocked={setLocked}
        onDone={(pending, smsSent) => go({ kind: 'code', pending, smsSent })}
      />
      {locked ? <UnlockOffer onUnlock={() => go({ kind: 'unlock', username: locked })} /> : null}
    </>
  );
}
