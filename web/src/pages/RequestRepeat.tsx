/**
 * Asking the GP practice for a repeat. The server needs a recent sign-in for this (step-up): when
 * it answers with the RFC 9470 challenge, the page asks for the password and a security code again
 * and then sends the same request once more.
 */
import type { Task } from '@medplum/fhirtypes';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/http';
import { readMedicationRequest, requestRepeat } from '../api/portal';
import type { PendingSignIn } from '../api/session';
import { currentSession } from '../api/session';
import { handleSignedOut, useLoad } from '../app/hooks';
import { useFocusWhen, useTitle } from '../app/page';
import { Button, SummaryList } from '../components/content';
import { ErrorSummary, errorFor } from '../components/ErrorSummary';
import { Textarea } from '../components/fields';
import { BackLink, Link } from '../components/Link';
import { CodeStep, isStepUp, PasswordStep } from '../components/SignInSteps';
import { formatDate } from '../domain/dates';
import { type Errors, noteProblem } from '../domain/forms';
import { medicineOf } from '../domain/prescriptions';
import { problemOf } from '../domain/problem';
import { formatQuantity } from '../domain/quantities';
import { LoadStatus, PageHeading } from './common';

type Stage =
  | { name: 'form' }
  | { name: 'step-up'; pending?: PendingSignIn; smsSent?: boolean }
  | { name: 'sent'; task: Task };

function StepUp(props: {
  stage: { pending?: PendingSignIn; smsSent?: boolean };
  onPending: (pending: PendingSignIn, smsSent: boolean) => void;
  onConfirmed: () => void;
  onErrors: (errors: Errors) => void;
}) {
  const heading = useFocusWhen<HTMLHeadingElement>(props.stage.pending ? 'code' : 'password');
  return (
    <section aria-labelledby="step-up-heading">
      <h2 className="nhsuk-heading-m" id="step-up-heading" ref={heading} tabIndex={-1}>
        {props.stage.pending ? 'Enter your security code' : 'Confirm it is you'}
      </h2>
      {props.stage.pending ? (
        <CodeStep
          prefix="step-up-"
          pending={props.stage.pending}
          smsSent={props.stage.smsSent ?? false}
          submitLabel="Confirm and send request"
          onErrors={props.onErrors}
          onDone={props.onConfirmed}
        />
      ) : (
        <>
          <p className="nhsuk-body">
            To keep your prescriptions safe, enter your password and a security code again before we send this
            request.
          </p>
          <PasswordStep
            prefix="step-up-"
            username={currentSession()?.username}
            onErrors={props.onErrors}
            onDone={props.onPending}
          />
        </>
      )}
    </section>
  );
}

function Sent({ task, medicine }: { task: Task; medicine: string }) {
  const heading = useFocusWhen<HTMLHeadingElement>(task.id);
  return (
    <>
      <div className="nhsuk-panel">
        <h2 className="nhsuk-panel__heading" ref={heading} tabIndex={-1}>
          Request sent
        </h2>
        <div className="nhsuk-panel__body">Your GP practice will review your request for {medicine}.</div>
      </div>
      <SummaryList
        rows={[
          { key: 'Requested', value: formatDate(task.authoredOn) },
          {
            key: 'Status',
            value: task.status === 'requested' ? 'Waiting for your GP practice' : task.status,
          },
        ]}
      />
      <p className="nhsuk-body">
        We will let you know by text message or email when your GP practice has decided.
      </p>
      <p className="nhsuk-body">
        <Link to="/prescriptions">Back to your prescriptions</Link>
      </p>
    </>
  );
}

export function RequestRepeat({ itemId }: { itemId: string }) {
  const loaded = useLoad(() => readMedicationRequest(itemId), itemId);
  const [note, setNote] = useState('');
  const [stage, setStage] = useState<Stage>({ name: 'form' });
  const [errors, setErrors] = useState<Errors>([]);
  const [busy, setBusy] = useState(false);
  useTitle('Request a repeat prescription', errors.length > 0);
  const medicine = medicineOf(loaded.data);
  const quantity = formatQuantity(loaded.data?.dispenseRequest?.quantity);

  async function send(): Promise<void> {
    setBusy(true);
    try {
      const task = await requestRepeat(itemId, note);
      setErrors([]);
      setStage({ name: 'sent', task });
    } catch (error) {
      if (handleSignedOut(error)) return;
      if (isStepUp(error)) {
        setErrors([]);
        setStage({ name: 'step-up' });
        return;
      }
      const problem = error instanceof ApiError ? error.problem : problemOf(0, undefined);
      setErrors([{ field: '', message: problem.message }]);
      setStage({ name: 'form' });
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = noteProblem(note, 'note', 1000, undefined);
    setErrors(problem ? [problem] : []);
    if (!problem) await send();
  }

  return (
    <>
      {stage.name !== 'sent' ? <BackLink to="/prescriptions">Back to your prescriptions</BackLink> : null}
      <PageHeading>Request a repeat prescription</PageHeading>
      <LoadStatus loaded={loaded} what="the medicine" notFound="We could not find this medicine." />
      {loaded.data && stage.name === 'sent' ? <Sent task={stage.task} medicine={medicine} /> : null}
      {loaded.data && stage.name !== 'sent' ? (
        <>
          <SummaryList
            rows={[
              { key: 'Medicine', value: medicine },
              ...(loaded.data.dosageInstruction?.[0]?.text
                ? [{ key: 'How to take it', value: loaded.data.dosageInstruction[0].text }]
                : []),
              ...(quantity ? [{ key: 'Quantity', value: quantity }] : []),
            ]}
          />
          {stage.name === 'form' ? (
            <form onSubmit={submit} noValidate>
              <ErrorSummary errors={errors} />
              <Textarea
                id="note"
                label="Is there anything your GP practice should know? (optional)"
                hint="For example, if you take it differently now or need it sooner. Do not include urgent problems: call 111."
                value={note}
                onChange={setNote}
                error={errorFor(errors, 'note')}
              />
              <Button disabled={busy}>Send request</Button>
            </form>
          ) : (
            <StepUp
              stage={stage}
              onErrors={setErrors}
              onPending={(pending, smsSent) => setStage({ name: 'step-up', pending, smsSent })}
              onConfirmed={() => void send()}
            />
          )}
        </>
      ) : null}
    </>
  );
}
