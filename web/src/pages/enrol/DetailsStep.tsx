/** Step 1: the details matched to the patient record (POST /auth/register). */
import { type FormEvent, useState } from 'react';
import { type RegistrationStep, register } from '../../api/portal';
import { useSubmit } from '../../app/hooks';
import { useTitle } from '../../app/page';
import { Button } from '../../components/content';
import { ErrorSummary, errorFor } from '../../components/ErrorSummary';
import { DateInput, Radios, TextInput } from '../../components/fields';
import { Link } from '../../components/Link';
import { type EnrolmentInput, type Errors, enrolmentErrors, enrolmentRequest } from '../../domain/forms';
import { fieldOf, type Problem } from '../../domain/problem';
import { StepHeading as Heading } from './StepHeading';

const DETAIL_FIELDS = [
  'nhsNumber',
  'chiNumber',
  'birthDate',
  'family',
  'postcode',
  'email',
  'mobile',
  'password',
];
const FIELD_IDS: Record<string, string> = {
  nhsNumber: 'number',
  chiNumber: 'number',
  birthDate: 'birth-day',
  family: 'family',
  postcode: 'postcode',
  email: 'email',
  mobile: 'mobile',
  password: 'password',
};

/** A refusal that names a field goes next to it; the generic "no match" has no field on purpose. */
function detailRefusal(problem: Problem): Errors {
  const field = fieldOf(problem, DETAIL_FIELDS);
  return [{ field: field ? (FIELD_IDS[field] ?? '') : '', message: problem.message }];
}

const EMPTY: EnrolmentInput = {
  numberType: '',
  number: '',
  day: '',
  month: '',
  year: '',
  family: '',
  postcode: '',
  email: '',
  mobile: '',
  password: '',
  confirmPassword: '',
};

export function DetailsStep(props: { onDone: (step: RegistrationStep, input: EnrolmentInput) => void }) {
  const [input, setInput] = useState(EMPTY);
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('Create your account', errors.length > 0);
  const set = (change: Partial<EnrolmentInput>) => setInput((current) => ({ ...current, ...change }));
  const numberName =
    input.numberType === 'chi'
      ? 'CHI number'
      : input.numberType === 'nhs'
        ? 'NHS number'
        : 'NHS or CHI number';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = enrolmentErrors(input);
    setErrors(found);
    if (found.length > 0) return;
    const step = await run(() => register(enrolmentRequest(input)), detailRefusal);
    if (step) props.onDone(step, input);
  }

  return (
    <>
      <Heading>Create your account</Heading>
      <p className="nhsuk-body">
        We will match these details to your patient record. Enter them as they are on letters from your GP
        practice or hospital.
      </p>
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} />
        <Radios
          id="number-type"
          legend="Which number do you have?"
          value={input.numberType}
          onChange={(value) => set({ numberType: value as EnrolmentInput['numberType'] })}
          error={errorFor(errors, 'number-type')}
          choices={[
            { value: 'nhs', label: 'NHS number', hint: 'England, Wales and the Isle of Man' },
            { value: 'chi', label: 'CHI number', hint: 'Scotland' },
          ]}
        />
        <TextInput
          id="number"
          label={`Your ${numberName}`}
          hint="10 numbers, for example 485 777 3456"
          value={input.number}
          onChange={(number) => set({ number })}
          error={errorFor(errors, 'number')}
          inputMode="numeric"
          width={10}
          spellCheck={false}
        />
        <DateInput
          id="birth"
          legend="Date of birth"
          hint="For example, 15 3 1984"
          value={{ day: input.day, month: input.month, year: input.year }}
          onChange={(date) => set(date)}
          error={errorFor(errors, 'birth-day')}
          autoCompletePrefix="bday"
        />
        <TextInput
          id="family"
          label="Last name"
          value={input.family}
          onChange={(family) => set({ family })}
          error={errorFor(errors, 'family')}
          autoComplete="family-name"
          spellCheck={false}
        />
        <TextInput
          id="postcode"
          label="Postcode"
          value={input.postcode}
          onChange={(postcode) => set({ postcode })}
          error={errorFor(errors, 'postcode')}
          autoComplete="postal-code"
          width={10}
        />
        <TextInput
          id="email"
          label="Email address"
          hint="This will be your username. We will send a code to check it."
          type="email"
          value={input.email}
          onChange={(email) => set({ email })}
          error={errorFor(errors, 'email')}
          autoComplete="email"
          spellCheck={false}
        />
        <TextInput
          id="mobile"
          label="UK mobile phone number"
          hint="We will send a code to check it."
          type="tel"
          value={input.mobile}
          onChange={(mobile) => set({ mobile })}
          error={errorFor(errors, 'mobile')}
          autoComplete="tel"
          width={20}
        />
        <TextInput
          id="password"
          label="Create a password"
          hint="At least 12 characters, and not only numbers. A few unrelated words are easy to remember."
          type="password"
          value={input.password}
          onChange={(password) => set({ password })}
          error={errorFor(errors, 'password')}
          autoComplete="new-password"
        />
        <TextInput
          id="confirm-password"
          label="Enter the password again"
          type="password"
          value={input.confirmPassword}
          onChange={(confirmPassword) => set({ confirmPassword })}
          error={errorFor(errors, 'confirm-password')}
          autoComplete="new-password"
        />
        <Button disabled={busy}>Continue</Button>
      </form>
      <p className="nhsuk-body">
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </>
  );
}
