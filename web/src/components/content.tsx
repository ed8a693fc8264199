/** Static NHS.UK components: buttons, summary lists, tags, callouts, panels, loading text. */
import type { ReactNode } from 'react';
import type { TagColour } from '../domain/prescriptions';

export function Button(props: {
  children: ReactNode;
  type?: 'submit' | 'button';
  variant?: 'secondary' | 'warning';
  onClick?: () => void;
  disabled?: boolean;
}) {
  const variant = props.variant ? ` nhsuk-button--${props.variant}` : '';
  return (
    <button
      className={`nhsuk-button${variant}`}
      type={props.type ?? 'submit'}
      onClick={props.onClick}
      disabled={props.disabled}
      aria-disabled={props.disabled ? true : undefined}
    >
      {props.children}
    </button>
  );
}

export interface Row {
  key: string;
  value: ReactNode;
  action?: ReactNode;
}

export function SummaryList({ rows, noBorder = false }: { rows: Row[]; noBorder?: boolean }) {
  const withActions = rows.some((row) => row.action);
  return (
    <dl className={`nhsuk-summary-list${noBorder ? ' nhsuk-summary-list--no-last-row-border' : ''}`}>
      {rows.map((row) => (
        <div className="nhsuk-summary-list__row" key={row.key}>
          <dt className="nhsuk-summary-list__key">{row.key}</dt>
          <dd className="nhsuk-summary-list__value">{row.value}</dd>
          {withActions ? <dd className="nhsuk-summary-list__actions">{row.action ?? null}</dd> : null}
        </div>
      ))}
    </dl>
  );
}

export function Tag({ children, colour }: { children: ReactNode; colour?: TagColour }) {
  return (
    <strong className={`nhsuk-tag${colour && colour !== 'blue' ? ` nhsuk-tag--${colour}` : ''}`}>
      {children}
    </strong>
  );
}

export function InsetText({ children }: { children: ReactNode }) {
  return (
    <div className="nhsuk-inset-text">
      <span className="nhsuk-u-visually-hidden">Information: </span>
      {children}
    </div>
  );
}

export function WarningCallout({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <div className="nhsuk-card nhsuk-card--warning">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading">
          <span className="nhsuk-u-visually-hidden">Important: </span>
          {heading}
        </h2>
        {children}
      </div>
    </div>
  );
}

export function SuccessBanner({ title = 'Success', children }: { title?: string; children: ReactNode }) {
  return (
    <section
      className="nhsuk-notification-banner nhsuk-notification-banner--success"
      aria-labelledby="success-banner-title"
    >
      <div className="nhsuk-notification-banner__header">
        <h2 className="nhsuk-notification-banner__title" id="success-banner-title">
          {title}
        </h2>
      </div>
      <div className="nhsuk-notification-banner__content">{children}</div>
    </section>
  );
}

export function Panel({ heading, children }: { heading: string; children?: ReactNode }) {
  return (
    <div className="nhsuk-panel">
      <h2 className="nhsuk-panel__heading">{heading}</h2>
      {children ? <div className="nhsuk-panel__body">{children}</div> : null}
    </div>
  );
}

export function Card({
  heading,
  children,
  headingLevel = 2,
}: {
  heading: ReactNode;
  children: ReactNode;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div className="nhsuk-card">
      <div className="nhsuk-card__content">
        <Heading className="nhsuk-card__heading nhsuk-heading-m">{heading}</Heading>
        {children}
      </div>
    </div>
  );
}

/** Said once by screen readers (an output element is a polite live region) while a page's data loads. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="nhsuk-body">
      <output>Loading {what}…</output>
    </p>
  );
}
