/**
 * Service desk: notifications that reached the patient neither by text nor by email
 * (HAZ-SILENT-NOTIFY). Each stays here until someone contacts the patient and resolves it.
 */
import { type FormEvent, useState } from 'react';
import { readWorklist, resolveWorklistItem, type WorklistItem } from '../../api/portal';
import { useLoad, useSubmit } from '../../app/hooks';
import { useFocusWhen, useTitle } from '../../app/page';
import { Button, SuccessBanner, SummaryList } from '../../components/content';
import { ErrorSummary, errorFor } from '../../components/ErrorSummary';
import { Textarea } from '../../components/fields';
import { BackLink } from '../../components/Link';
import { formatDate, formatDateTime } from '../../domain/dates';
import { noteProblem } from '../../domain/forms';
import { LoadStatus, PageHeading } from '../common';

const CHANNELS: Record<string, string> = { sms: 'text message', email: 'email' };

/** "appointment-reminder" → "Appointment reminder" */
/** The patient as staff read them out: their name, or the record when it has none. */
const who = (item: WorklistItem) => item.patientName ?? item.patient;

export function templateName(template: string): string {
  const words = template.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function ItemCard(props: { item: WorklistItem; onResolved: (item: WorklistItem) => void }) {
  const { item } = props;
  const [note, setNote] = useState('');
  const { busy, errors, setErrors, run } = useSubmit();
  const field = `note-${item.id}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = noteProblem(note, field, 2000, 'Enter what you did to reach the patient');
    setErrors(problem ? [problem] : []);
    if (problem) return;
    const resolved = await run(() => resolveWorklistItem(item.id, note.trim()));
    if (resolved) props.onResolved(item);
  }

  return (
    <li className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading nhsuk-heading-m">{templateName(item.template)}</h2>
        <SummaryList
          noBorder
          rows={[
            { key: 'Patient', value: who(item) },
            ...(item.birthDate ? [{ key: 'Date of birth', value: formatDate(item.birthDate) }] : []),
            {
              key: 'Tried',
              value:
                item.channelsTried.map((channel) => CHANNELS[channel] ?? channel).join(', ') || 'Nothing',
            },
            { key: 'Why it failed', value: item.reason },
            { key: 'Since', value: formatDateTime(item.created) },
          ]}
        />
        <form onSubmit={submit} noValidate>
          <ErrorSummary errors={errors} />
          <Textarea
            id={field}
            label="What did you do to reach the patient?"
            value={note}
            onChange={setNote}
            error={errorFor(errors, field)}
            rows={3}
          />
          <Button disabled={busy}>
            Mark as resolved
            <span className="nhsuk-u-visually-hidden">
              {' '}
              ({templateName(item.template)} for {who(item)})
            </span>
          </Button>
        </form>
      </div>
    </li>
  );
}

export function Worklist() {
  useTitle('Notifications that did not reach patients');
  const loaded = useLoad(readWorklist, 'worklist');
  const [resolved, setResolved] = useState<string[]>([]);
  const [last, setLast] = useState<WorklistItem | undefined>();
  const banner = useFocusWhen<HTMLDivElement>(last);
  const items = (loaded.data?.items ?? []).filter((item) => !resolved.includes(item.id));
  const total = loaded.data ? loaded.data.total - resolved.length : 0;

  function onResolved(item: WorklistItem) {
    setResolved((current) => [...current, item.id]);
    setLast(item);
  }

  return (
    <>
      <BackLink to="/service-desk">Back to the service desk</BackLink>
      {last ? (
        <div ref={banner} tabIndex={-1}>
          <SuccessBanner>
            <p className="nhsuk-notification-banner__heading">
              Resolved: {templateName(last.template)} for {who(last)}.
            </p>
          </SuccessBanner>
        </div>
      ) : null}
      <PageHeading>Notifications that did not reach patients</PageHeading>
      <LoadStatus loaded={loaded} what="the worklist" />
      {loaded.data ? (
        items.length === 0 ? (
          <p className="nhsuk-body">
            There is nothing to do. Every notification has been delivered or resolved.
          </p>
        ) : (
          <>
            <p className="nhsuk-body">
              {total === 1 ? '1 notification needs' : `${total} notifications need`} someone to contact the
              patient another way, for example by phone or letter.
            </p>
            <ul className="app-card-list">
              {items.map((item) => (
                <ItemCard key={item.id} item={item} onResolved={onResolved} />
              ))}
            </ul>
          </>
        )
      ) : null}
    </>
  );
}
