/**
 * The two steps of signing in (password, then a security code by app or text message), shared by
 * the portal's sign-in page, by step-up (a person confirms it is them before a sensitive action)
 * and by the /oauth2/authorize page (web/src/signin), which hands the code back to its client.
 */
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/http';
import {
  type AuthorizeFor,
  confirmCode,
  finishSignIn,
  type PendingSignIn,
  type Session,
  sendSmsCode,
  startSignIn,
} from '../api/session';
import { useSubmit } from '../app/hooks';
import { codeProblem, type Errors, signInErrors } from '../domain/forms';
import type { Problem } from '../domain/problem';
import { Button, InsetText } from './content';
import { ErrorSummary, errorFor } from './ErrorSummary';
import { TextInput } from './fields';

function passwordRefusal(problem: Problem, prefix: string, canUnlock: boolean): Errors {
  if (problem.status === 401) {
    return [{ field: `${prefix}password`, message: 'Your email address or password is not correct' }];
  }
  if (problem.status === 423 && canUnlock && problem.retryAfterS === undefined) {
    return [
      {
        field: '',
        message: 'Your account is locked. Unlock it with a code we send you, or contact the service desk.',
      },
    ];
  }
  return [{ field: '', message: problem.message }];
}

function codeRefusal(problem: Problem, prefix: string, bySms: boolean): Errors {
  if (problem.status === 401 && problem.code === 'CODE_ALREADY_USED') {
    return [
      {
        field: `${prefix}otp`,
        message: bySms
          ? 'This security code has already been used. Ask for a new code'
          : 'This security code has just been used. Wait for the next code, then enter it',
      },
    ];
  }
  if (problem.status === 401) {
    return [{ field: `${prefix}otp`, message: 'The security code is not correct or has expired' }];
  }
  return [{ field: '', message: problem.message }];
}

export function PasswordStep(props: {
  /** Ids are prefixed so a page can hold this next to other forms. */
  prefix?: string;
  /** Known (step-up in the tab that signed in): not asked again. */
  username?: string | undefined;
  /** Filled in but still editable (after self-unlock). */
  initialUsername?: string | undefined;
  submitLabel?: string;
  /** Signing in for an OAuth client (/oauth2/authorize): its challenge and scope. */
  authorize?: AuthorizeFor | undefined;
  /** Offered when the account is locked (423): the page can then show the unlock step. */
  onLocked?: (username: string) => void;
  onErrors?: (errors: Errors) => void;
  onDone: (pending: PendingSignIn, smsSent: boolean) => void;
}) {
  const prefix = props.prefix ?? '';
  const [username, setUsername] = useState(props.username ?? props.initialUsername ?? '');
  const [password, setPassword] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = signInErrors({ username, password }).map((error) => ({
      ...error,
      field: `${prefix}${error.field}`,
    }));
    setErrors(found);
    props.onErrors?.(found);
    if (found.length > 0) return;
    const pending = await run(
      async () => {
        const started = await startSignIn(username.trim(), password, props.authorize);
        // A text-message account gets its code straight away: there is nothing else to choose. If
        // sending fails, the code step offers to text one.
        const smsOnly = !started.methods.includes('totp') && started.methods.includes('sms');
        const smsSent =
          smsOnly &&
          (await sendSmsCode(started).then(
            () => true,
            () => false,
          ));
        return { started, smsSent };
      },
      (problem) => {
        const refused = passwordRefusal(problem, prefix, props.onLocked !== undefined);
        if (problem.status === 423) props.onLocked?.(username.trim());
        props.onErrors?.(refused);
        return refused;
      },
    );
    if (pending) {
      setPassword('');
      props.onDone(pending.started, pending.smsSent);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorSummary errors={errors} />
      {props.username ? null : (
        <TextInput
          id={`${prefix}username`}
          label="Email address or username"
          value={username}
          onChange={setUsername}
          error={errorFor(errors, `${prefix}username`)}
          autoComplete="username"
          spellCheck={false}
        />
      )}
      <TextInput
        id={`${prefix}password`}
        label="Password"
        type="password"
        value={password}
        onChange={setPassword}
        error={errorFor(errors, `${prefix}password`)}
        autoComplete="current-password"
      />
      <Button disabled={busy}>{props.submitLabel ?? 'Continue'}</Button>
    </form>
  );
}

export function CodeStep(
  props: {
    prefix?: string;
    pending: PendingSignIn;
    smsSent: boolean;
    submitLabel?: string;
    onErrors?: (errors: Errors) => void;
  } & (
    | { onDone: (session: Session) => void }
    /** For an OAuth client: the authorization code, which the client exchanges itself. */
    | { onCode: (code: string) => void }
  ),
) {
  const prefix = props.prefix ?? '';
  const { pending } = props;
  const [otp, setOtp] = useState('');
  const [smsSent, setSmsSent] = useState(props.smsSent);
  const [sentAgain, setSentAgain] = useState(false);
  const { busy, errors, setErrors, run } = useSubmit();
  const usesApp = pending.methods.includes('totp');
  const usesSms = pending.methods.includes('sms');

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = codeProblem(otp, `${prefix}otp`);
    const found = problem ? [problem] : [];
    setErrors(found);
    props.onErrors?.(found);
    if (problem) return;
    const refusal = (problem: Problem) => {
      const refused = codeRefusal(problem, prefix, smsSent && !usesApp);
      props.onErrors?.(refused);
      return refused;
    };
    if ('onCode' in props) {
      const code = await run(() => confirmCode(pending, otp.trim()), refusal);
      if (code) props.onCode(code);
      return;
    }
    const session = await run(() => finishSignIn(pending, otp.trim()), refusal);
    if (session) props.onDone(session);
  }

  async function text() {
    const sent = await run(async () => {
      await sendSmsCode(pending);
      return true;
    });
    if (sent) {
      setSentAgain(smsSent);
      setSmsSent(true);
    }
  }

  const hint = smsSent
    ? 'Enter the 6-digit code we texted to your mobile phone. It can take a few minutes to arrive.'
    : usesApp
      ? 'Enter the 6-digit code from your authenticator app.'
      : 'Enter the 6-digit code.';

  return (
    <>
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} />
        {sentAgain ? (
          <InsetText>
            <p>We have sent you another code.</p>
          </InsetText>
        ) : null}
        <TextInput
          id={`${prefix}otp`}
          label="Security code"
          hint={hint}
          value={otp}
          onChange={setOtp}
          error={errorFor(errors, `${prefix}otp`)}
          autoComplete="one-time-code"
          inputMode="numeric"
          width={10}
          spellCheck={false}
        />
        <Button disabled={busy}>{props.submitLabel ?? 'Continue'}</Button>
      </form>
      {usesSms ? (
        <p className="nhsuk-body">
          <button
            className="nhsuk-button nhsuk-button--secondary"
            type="button"
            onClick={text}
            disabled={busy}
          >
            {smsSent ? 'Send me another code' : usesApp ? 'Text me a code instead' : 'Text me a code'}
          </button>
        </p>
      ) : null}
    </>
  );
}

export function isStepUp(error: unknown): boolean {
  return error instanceof ApiError && error.stepUp;
}
