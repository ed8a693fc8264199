/** Service desk: find an account (a summary, never a secret) and lift a lockout. */
import { type FormEvent, useState } from 'react';
import { type AccountSearch, type AccountSummary, findAccounts, unlockAccount } from '../../api/portal';
import { useSubmit } from '../../app/hooks';
import { useFocusWhen, useTitle } from '../../app/page';
import { Button, SuccessBanner, SummaryList, Tag } from '../../components/content';
import { ErrorSummary, errorFor } from '../../components/ErrorSummary';
import { Radios, TextInput } from '../../components/fields';
import { BackLink } from '../../components/Link';
import { formatDate, formatDateTime } from '../../domain/dates';
import { formatNhsNumber, roleName, searchProblem } from '../../domain/desk';
import { PageHeading } from '../common';

export function isLocked(account: AccountSummary, now = new Date()): boolean {
  return (
    account.status === 'locked' ||
    (account.lockedUntil !== null && new Date(account.lockedUntil).getTime() > now.getTime()) ||
    (account.lockedAddresses ?? 0) > 0
  );
}

function statusTag(account: AccountSummary) {
  if (account.status === 'suspended') return <Tag colour="red">Suspended</Tag>;
  if (isLocked(account)) return <Tag colour="orange">Locked</Tag>;
  return <Tag colour="green">Active</Tag>;
}

function AccountCard(props: { account: AccountSummary; onUnlocked: (account: AccountSummary) => void }) {
  const { account } = props;
  const { busy, errors, run } = useSubmit();
  async function unlock() {
    const unlocked = await run(() => unlockAccount(account.id));
    if (unlocked) props.onUnlocked(unlocked);
  }
  return (
    <li className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading nhsuk-heading-m">{account.username}</h2>
        <ErrorSummary errors={errors} />
        <SummaryList
          noBorder
          rows={[
            ...(account.patient?.name ? [{ key: 'Name', value: account.patient.name }] : []),
            ...(account.patient?.birthDate
              ? [{ key: 'Date of birth', value: formatDate(account.patient.birthDate) }]
              : []),
            ...(account.patient?.nhsNumber
              ? [{ key: 'NHS number', value: formatNhsNumber(account.patient.nhsNumber) }]
              : []),
            { key: 'Status', value: statusTag(account) },
            { key: 'Role', value: roleName(account.role) },
            ...(account.fhirUser && !account.patient
              ? [{ key: 'Linked record', value: account.fhirUser }]
              : []),
            ...(account.org ? [{ key: 'Organisation', value: account.org }] : []),
            ...(account.lockedUntil
              ? [{ key: 'Locked until', value: formatDateTime(account.lockedUntil) }]
              : []),
            { key: 'Failed attempts', value: String(account.failedCount) },
            ...(account.lockedAddresses
              ? [
                  {
                    key: 'Locked out from',
                    value: `${account.lockedAddresses} address${account.lockedAddresses === 1 ? '' : 'es'}`,
                  },
                ]
              : []),
            { key: 'Account ID', value: <span className="app-identifier">{account.id}</span> },
          ]}
        />
        {isLocked(account) ? (
          <Button type="button" onClick={() => void unlock()} disabled={busy}>
            Unlock<span className="nhsuk-u-visually-hidden"> {account.username}</span>
          </Button>
        ) : null}
      </div>
    </li>
  );
}

const SEARCH_LABELS: Record<AccountSearch, string> = {
  username: 'Email address or username',
  nhsNumber: 'NHS number',
  identifier: 'Account ID',
};

export function Accounts() {
  const [by, setBy] = useState<AccountSearch>('username');
  const [value, setValue] = useState('');
  const [accounts, setAccounts] = useState<AccountSummary[] | undefined>();
  const [unlocked, setUnlocked] = useState<string | undefined>();
  const { busy, errors, setErrors, run } = useSubmit();
  useTitle('Look up an account', errors.length > 0);
  const banner = useFocusWhen<HTMLDivElement>(unlocked);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setUnlocked(undefined);
    const problem = searchProblem(by, value, 'query');
    if (problem) {
      setErrors([problem]);
      return;
    }
    const found = await run(() => findAccounts(by, value.trim()));
    if (found) setAccounts(found);
  }

  function replaced(account: AccountSummary) {
    setAccounts((current) => current?.map((item) => (item.id === account.id ? account : item)));
    setUnlocked(account.username);
  }

  return (
    <>
      <BackLink to="/service-desk">Back to the service desk</BackLink>
      {unlocked ? (
        <div ref={banner} tabIndex={-1}>
          <SuccessBanner>
            <p className="nhsuk-notification-banner__heading">The account {unlocked} is unlocked.</p>
          </SuccessBanner>
        </div>
      ) : null}
      <PageHeading>Look up an account</PageHeading>
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} />
        <Radios
          id="by"
          legend="Search by"
          value={by}
          onChange={(chosen) => setBy(chosen as AccountSearch)}
          choices={[
            {
              value: 'username',
              label: 'Email address or username',
              hint: 'Patients sign in with their email address',
            },
            { value: 'nhsNumber', label: 'NHS number', hint: 'For example 943 476 5919' },
            { value: 'identifier', label: 'Account ID', hint: 'From an earlier look-up or a log' },
          ]}
        />
        <TextInput
          id="query"
          label={SEARCH_LABELS[by]}
          value={value}
          onChange={setValue}
          error={errorFor(errors, 'query')}
          spellCheck={false}
        />
        <Button disabled={busy}>Search</Button>
      </form>
      {accounts !== undefined ? (
        <section aria-labelledby="accounts-found">
          <h2 className="nhsuk-heading-m" id="accounts-found">
            {accounts.length === 0
              ? 'No accounts found'
              : accounts.length === 1
                ? '1 account found'
                : `${accounts.length} accounts found`}
          </h2>
          {accounts.length > 0 ? (
            <ul className="app-card-list">
              {accounts.map((account) => (
                <AccountCard key={account.id} account={account} onUnlocked={replaced} />
              ))}
            </ul>
          ) : (
            <p className="nhsuk-body">Check what you typed, or search by another kind of detail.</p>
          )}
        </section>
      ) : null}
    </>
  );
}
