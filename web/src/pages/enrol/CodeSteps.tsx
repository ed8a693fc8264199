/** Steps 2 and 4: the codes sent to the email and mobile, then the first security code. */
import { type FormEvent, useState } from 'react';
import { completeEnrolment, type RegistrationStep, verifyContact } from '../../api/portal';
import { useSubmit } from '../../app/hooks';
import { useTitle } from '../../app/page';
import { Button } from '../../components/content';
import { ErrorSummary, errorFor } from '../../components/ErrorSummary';
import { TextInput } from '../../components/fields';
import { codeProblem } from '../../domain/forms';
import { StepHeading as Heading } from './StepHeading';

export function VerifyStep(props: {
  registration: string;
  email: string;
  mobile: string;
  onDone: (step: RegistrationStep) => void;
}) {
  const [emailCode, setEmailCode] = useState('');
  const [mobileCode, setMobileCode] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('Check your email and phone', errors.length > 0);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = [codeProblem(emailCode, 'email-code'), codeProblem(mobileCode, 'mobile-code')].filter(
      (problem): problem is NonNullable<typeof problem> => problem !== undefined,
    );
    setErrors(found);
    if (found.length > 0) return;
    const step = await run(
      () => verifyContact(props.registration, emailCode.trim(), mobileCode.trim()),
      (problem) => [
        {
          field: '',
          message:
            problem.status === 400
              ? 'One of the codes is not correct or has expired. Check both and try again.'
              : problem.message,
        },
      ],
    );
    if (step) props.onDone(step);
  }

  return (
    <>
      <Heading>Check your email and phone</Heading>
      <p className="nhsuk-body">
        We have sent a code to <strong>{props.email}</strong> and a different code to{' '}
        <strong>{props.mobile}</strong>. The codes work for 10 minutes.
      </p>
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} />
        <TextInput
          id="email-code"
          label="Code from the email"
          value={emailCode}
          onChange={setEmailCode}
          error={errorFor(errors, 'email-code')}
          autoComplete="one-time-code"
          inputMode="numeric"
          width={10}
        />
        <TextInput
          id="mobile-code"
          label="Code from the text message"
          value={mobileCode}
          onChange={setMobileCode}
          error={errorFor(errors, 'mobile-code')}
          autoComplete="one-time-code"
          inputMode="numeric"
          width={10}
        />
        <Button disabled={busy}>Continue</Button>
      </form>
    </>
  );
}

/** The key in groups of four, as authenticator apps show it, so it is easier to type. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

export function ConfirmStep(props: {
  registration: string;
  method: 'totp' | 'sms';
  mobile: string;
  step: RegistrationStep;
  onDone: (username: string) => void;
}) {
  const [otp, setOtp] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  const title = props.method === 'totp' ? 'Set up your authenticator app' : 'Enter the code we texted you';
  useTitle(title, errors.length > 0);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = codeProblem(otp, 'confirm-otp');
    setErrors(problem ? [problem] : []);
    if (problem) return;
    const done = await run(
      () => completeEnrolment(props.registration, otp.trim()),
      (refusal) => [
        {
          field: refusal.status === 400 ? 'confirm-otp' : '',
          message:
            refusal.status === 400 ? 'The security code is not correct or has expired' : refusal.message,
        },
      ],
    );
    if (done) props.onDone(done.username);
  }

  return (
    <>
      <Heading>{title}</Heading>
      {props.method === 'totp' ? (
        <ol className="nhsuk-list nhsuk-list--number">
          <li>Open your authenticator app and choose to add an account.</li>
          <li>
            Enter this key: <code className="app-identifier">{grouped(props.step.totpSecret ?? '')}</code>
            {props.step.otpauthUri ? (
              <>
                {' '}
                or, on this phone, <a href={props.step.otpauthUri}>open it in your authenticator app</a>
              </>
            ) : null}
            .
          </li>
          <li>Enter the 6-digit code the app shows.</li>
        </ol>
      ) : (
        <p className="nhsuk-body">
          We have sent a code to <strong>{props.mobile}</strong>.
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} />
        <TextInput
          id="confirm-otp"
          label="Security code"
          value={otp}
          onChange={setOtp}
          error={errorFor(errors, 'confirm-otp')}
          autoComplete="one-time-code"
          inputMode="numeric"
          width={10}
        />
        <Button disabled={busy}>Create account</Button>
      </form>
    </>
  );
}
