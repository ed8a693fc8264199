import { type FormEvent, useEffect, useState } from 'react';
import { type ContactPreferences as Preferences, readContactPreferences, updateContact } from '../api/portal';
import { useLoad, useSubmit } from '../app/hooks';
import { useFocusWhen, useTitle } from '../app/page';
import { Button, SuccessBanner } from '../components/content';
import { ErrorSummary, errorFor } from '../components/ErrorSummary';
import { Checkboxes, TextInput } from '../components/fields';
import { contactErrors } from '../domain/forms';
import { fieldOf } from '../domain/problem';
import { LoadStatus, PageHeading } from './common';

export function ContactPreferences({ patientId }: { patientId: string }) {
  const loaded = useLoad(() => readContactPreferences(patientId), patientId);
  const [form, setForm] = useState({ mobile: '', email: '', sms: false, emailConsent: false });
  const [saved, setSaved] = useState(0);
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('Contact details and preferences', errors.length > 0);
  const banner = useFocusWhen<HTMLDivElement>(saved);

  useEffect(() => {
    const data = loaded.data;
    if (data) {
      setForm({
        mobile: data.mobile ?? '',
        email: data.email ?? '',
        sms: data.smsConsent ?? false,
        emailConsent: data.emailConsent ?? false,
      });
    }
  }, [loaded.data]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(0);
    const found = contactErrors(form);
    setErrors(found);
    if (found.length > 0) return;
    const change: Preferences = {
      mobile: form.mobile,
      email: form.email,
      smsConsent: form.sms,
      emailConsent: form.emailConsent,
    };
    const result = await run(
      () => updateContact(patientId, change),
      (problem) => [{ field: fieldOf(problem, ['mobile', 'email']) ?? '', message: problem.message }],
    );
    if (result) setSaved((count) => count + 1);
  }

  return (
    <>
      {saved > 0 ? (
        <div ref={banner} tabIndex={-1}>
          <SuccessBanner>
            <p className="nhsuk-notification-banner__heading">
              Your contact details and preferences have been saved.
            </p>
          </SuccessBanner>
        </div>
      ) : null}
      <PageHeading>Contact details and preferences</PageHeading>
      <LoadStatus loaded={loaded} what="your contact details" />
      {loaded.data ? (
        <form onSubmit={submit} noValidate>
          <ErrorSummary errors={errors} />
          <p className="nhsuk-body">
            We use these to tell you about your appointments, test results and prescriptions. Security codes
            for signing in are always sent, whatever you choose here.
          </p>
          <TextInput
            id="mobile"
            label="UK mobile phone number"
            hint="Leave it empty to remove it."
            type="tel"
            value={form.mobile}
            onChange={(mobile) => setForm((current) => ({ ...current, mobile }))}
            error={errorFor(errors, 'mobile')}
            autoComplete="tel"
            width={20}
          />
          <TextInput
            id="email"
            label="Email address"
            hint="Leave it empty to remove it."
            type="email"
            value={form.email}
            onChange={(email) => setForm((current) => ({ ...current, email }))}
            error={errorFor(errors, 'email')}
            autoComplete="email"
            spellCheck={false}
          />
          <Checkboxes
            id="consent"
            legend="How can we contact you?"
            hint="Select all that apply. We will not send text messages between 9pm and 8am."
            items={[
              {
                id: 'sms-consent',
                label: 'Text messages',
                checked: form.sms,
                onChange: (sms) => setForm((current) => ({ ...current, sms })),
              },
              {
                id: 'email-consent',
                label: 'Emails',
                checked: form.emailConsent,
                onChange: (emailConsent) => setForm((current) => ({ ...current, emailConsent })),
              },
            ]}
          />
          <Button disabled={busy}>Save</Button>
        </form>
      ) : null}
    </>
  );
}
