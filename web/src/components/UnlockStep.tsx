/**
 * Self-unlock for a locked account: a code to the holder's confirmed mobile or email
 * (POST /auth/unlock, which answers the same whether or not a code could be sent, so the page
 * says so honestly), then POST /auth/unlock/confirm with it. Staff accounts are unlocked by the
 * service desk. Both sign-in pages (the portal's /sign-in and /oauth2/authorize) offer it the same
 * way: UnlockOffer under the password step once it answered 423, UnlockedNotice back on it after.
 */
import { type FormEvent, useState } from 'react';
import { confirmUnlock, requestUnlockCode } from '../api/session';
import { useSubmit } from '../app/hooks';
import { useFocusWhen } from '../app/page';
import type { Errors } from '../domain/forms';
import type { Problem } from '../domain/problem';
import { Button } from './content';
import { ErrorSummary, errorFor } from './ErrorSummary';
import { TextInput } from './fields';

const UNLOCK_CODE = /^\d{6}$/;

function unlockRefusal(problem: Problem): Errors {
  if (problem.status === 401)
    return [
      {
        field: 'unlock-code',
        message: 'The unlock code is not correct or has expired. Enter the code from the latest message',
      },
    ];
  return [{ field: '', message: problem.message }];
}

export function UnlockStep(props: {
  username: string;
  onErrors?: (errors: Errors) => void;
  onUnlocked: () => void;
}) {
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  const status = useFocusWhen<HTMLInputElement>(sent);

  async function send() {
    const done = await run(async () => {
      await requestUnlockCode(props.username);
      return true;
    });
    props.onErrors?.([]);
    if (done) setSent(true);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = code.replace(/\s+/g, '');
    const found: Errors =
      value === ''
        ? [{ field: 'unlock-code', message: 'Enter your unlock code' }]
        : UNLOCK_CODE.test(value)
          ? []
          : [{ field: 'unlock-code', message: 'The unlock code must be 6 numbers' }];
    setErrors(found);
    props.onErrors?.(found);
    if (found.length > 0) return;
    const done = await run(
      async () => {
        await confirmUnlock(props.username, value);
        return true;
      },
      (problem) => {
        const refused = unlockRefusal(problem);
        props.onErrors?.(refused);
        return refused;
      },
    );
    if (done) props.onUnlocked();
  }

  return (
    <>
      <ErrorSummary errors={errors} />
      <p className="nhsuk-body">
        We will send a 6-digit code to the mobile phone or email address you confirmed when you registered.
        Staff accounts are unlocked by your service desk.
      </p>
      <output className="nhsuk-u-display-block">
        {sent ? (
          <p className="nhsuk-body" ref={status} tabIndex={-1}>
            If your account can be unlocked this way, we have sent a code to the mobile phone or email address
            you confirmed.
          </p>
        ) : null}
      </output>
      <p className="nhsuk-body">
        <button
          className="nhsuk-button nhsuk-button--secondary"
          type="button"
          onClick={() => void send()}
          disabled={busy}
        >
          {sent ? 'Send a new code' : 'Send me an unlock code'}
        </button>
      </p>
      {sent ? (
        <form onSubmit={submit} noValidate>
          <TextInput
            id="unlock-code"
            label="Unlock code"
            hint="The code lasts 10 minutes."
            value={code}
            onChange={setCode}
            error={errorFor(errors, 'unlock-code')}
            autoComplete="one-time-code"
            inputMode="numeric"
            width={10}
            spellCheck={false}
          />
          <Button disabled={busy}>Unlock account</Button>
        </form>
      ) : null}
    </>
  );
}

/** Under the password step once the account answered locked (423): the way to the unlock step. */
export function UnlockOffer(props: { onUnlock: () => void }) {
  return (
    <>
      <p className="nhsuk-body">
        If you registered with your email address or mobile phone, we can send you a code to unlock your
        account now.
      </p>
      <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={props.onUnlock}>
        Unlock my account
      </button>
    </>
  );
}

/** A live region on the password step that says so once the account was unlocked. */
export function UnlockedNotice(props: { unlocked: boolean | undefined }) {
  return (
    <output className="nhsuk-u-display-block">
      {props.unlocked ? (
        <p className="nhsuk-body">Your account is unlocked. Sign in with your username and password.</p>
      ) : null}
    </output>
  );
}
