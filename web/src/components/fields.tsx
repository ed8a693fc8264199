/** Form fields with NHS.UK frontend markup: label, hint, error message, and the ARIA links between them. */
import type { ReactNode } from 'react';

function describedBy(...ids: Array<string | false | undefined>): string | undefined {
  const list = ids.filter((id): id is string => typeof id === 'string' && id !== '');
  return list.length > 0 ? list.join(' ') : undefined;
}

function ErrorMessage({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span className="nhsuk-error-message" id={`${id}-error`}>
      <span className="nhsuk-u-visually-hidden">Error: </span>
      {message}
    </span>
  );
}

function Hint({ id, hint }: { id: string; hint: ReactNode | undefined }) {
  if (!hint) return null;
  return (
    <div className="nhsuk-hint" id={`${id}-hint`}>
      {hint}
    </div>
  );
}

interface InputProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | undefined;
  type?: 'text' | 'password' | 'email' | 'tel';
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'email' | 'tel';
  width?: 2 | 3 | 4 | 5 | 10 | 20 | 30;
  spellCheck?: boolean;
  /** Render the label as the page's h1. */
  isPageHeading?: boolean;
  code?: boolean;
}

export function TextInput(props: InputProps) {
  const { id, error, hint } = props;
  const classes = [
    'nhsuk-input',
    props.code ? 'nhsuk-input--code' : '',
    props.width ? `nhsuk-input--width-${props.width}` : '',
    error ? 'nhsuk-input--error' : '',
  ].filter(Boolean);
  const label = (
    <label className={`nhsuk-label${props.isPageHeading ? ' nhsuk-label--l' : ''}`} htmlFor={id}>
      {props.label}
    </label>
  );
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      {props.isPageHeading ? <h1 className="nhsuk-label-wrapper">{label}</h1> : label}
      <Hint id={id} hint={hint} />
      <ErrorMessage id={id} message={error} />
      <input
        className={classes.join(' ')}
        id={id}
        name={id}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        aria-describedby={describedBy(hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined)}
        {...(props.autoComplete ? { autoComplete: props.autoComplete } : {})}
        {...(props.inputMode ? { inputMode: props.inputMode } : {})}
        {...(props.spellCheck === false ? { spellCheck: false } : {})}
      />
    </div>
  );
}

export function Textarea(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | undefined;
  rows?: number;
}) {
  const { id, error, hint } = props;
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label" htmlFor={id}>
        {props.label}
      </label>
      <Hint id={id} hint={hint} />
      <ErrorMessage id={id} message={error} />
      <textarea
        className={`nhsuk-textarea${error ? ' nhsuk-textarea--error' : ''}`}
        id={id}
        name={id}
        rows={props.rows ?? 4}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        aria-describedby={describedBy(hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined)}
      />
    </div>
  );
}

export interface DateValue {
  day: string;
  month: string;
  year: string;
}

export function DateInput(props: {
  id: string;
  legend: string;
  value: DateValue;
  onChange: (value: DateValue) => void;
  hint?: string;
  error?: string | undefined;
  autoCompletePrefix?: 'bday';
}) {
  const { id, error, hint, value } = props;
  const parts = [
    { key: 'day' as const, label: 'Day', width: 2 },
    { key: 'month' as const, label: 'Month', width: 2 },
    { key: 'year' as const, label: 'Year', width: 4 },
  ];
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset
        className="nhsuk-fieldset"
        aria-describedby={describedBy(hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined)}
      >
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{props.legend}</legend>
        <Hint id={id} hint={hint} />
        <ErrorMessage id={id} message={error} />
        <div className="nhsuk-date-input" id={id}>
          {parts.map((part) => (
            <div className="nhsuk-date-input__item" key={part.key}>
              <div className="nhsuk-form-group">
                <label className="nhsuk-label nhsuk-date-input__label" htmlFor={`${id}-${part.key}`}>
                  {part.label}
                </label>
                <input
                  className={`nhsuk-input nhsuk-input--width-${part.width} nhsuk-date-input__input${error ? ' nhsuk-input--error' : ''}`}
                  id={`${id}-${part.key}`}
                  name={`${id}-${part.key}`}
                  type="text"
                  inputMode="numeric"
                  value={value[part.key]}
                  onChange={(event) => props.onChange({ ...value, [part.key]: event.target.value })}
                  {...(props.autoCompletePrefix
                    ? { autoComplete: `${props.autoCompletePrefix}-${part.key}` }
                    : {})}
                />
              </div>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

export interface Choice {
  value: string;
  label: ReactNode;
  hint?: string;
  /** Shown under the choice while it is selected (NHS.UK conditional reveal). */
  conditional?: ReactNode;
}

export function Radios(props: {
  id: string;
  legend: ReactNode;
  choices: Choice[];
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string | undefined;
  legendSize?: 's' | 'm' | 'l';
  isPageHeading?: boolean;
}) {
  const { id, error, hint } = props;
  const legendClass = `nhsuk-fieldset__legend nhsuk-fieldset__legend--${props.legendSize ?? 's'}`;
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset
        className="nhsuk-fieldset"
        aria-describedby={describedBy(hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined)}
      >
        <legend className={legendClass}>
          {props.isPageHeading ? <h1 className="nhsuk-fieldset__heading">{props.legend}</h1> : props.legend}
        </legend>
        <Hint id={id} hint={hint} />
        <ErrorMessage id={id} message={error} />
        <div className="nhsuk-radios nhsuk-radios--conditional">
          {props.choices.map((choice, index) => {
            // The first radio carries the group's id, so the error summary can link to it.
            const inputId = index === 0 ? id : `${id}-${index + 1}`;
            const checked = props.value === choice.value;
            return (
              <div key={choice.value}>
                <div className="nhsuk-radios__item">
                  <input
                    className="nhsuk-radios__input"
                    id={inputId}
                    name={id}
                    type="radio"
                    value={choice.value}
                    checked={checked}
                    onChange={() => props.onChange(choice.value)}
                    aria-describedby={choice.hint ? `${inputId}-item-hint` : undefined}
                    {...(choice.conditional ? { 'aria-controls': `${inputId}-conditional` } : {})}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor={inputId}>
                    {choice.label}
                  </label>
                  {choice.hint ? (
                    <div className="nhsuk-hint nhsuk-radios__hint" id={`${inputId}-item-hint`}>
                      {choice.hint}
                    </div>
                  ) : null}
                </div>
                {choice.conditional ? (
                  <div
                    className={`nhsuk-radios__conditional${checked ? '' : ' nhsuk-radios__conditional--hidden'}`}
                    id={`${inputId}-conditional`}
                  >
                    {checked ? choice.conditional : null}
                  </div>
                ) : null}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

export function Checkboxes(props: {
  id: string;
  legend: string;
  hint?: string;
  items: Array<{ id: string; label: string; checked: boolean; onChange: (checked: boolean) => void }>;
}) {
  return (
    <div className="nhsuk-form-group">
      <fieldset className="nhsuk-fieldset" aria-describedby={props.hint ? `${props.id}-hint` : undefined}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{props.legend}</legend>
        <Hint id={props.id} hint={props.hint} />
        <div className="nhsuk-checkboxes">
          {props.items.map((item) => (
            <div className="nhsuk-checkboxes__item" key={item.id}>
              <input
                className="nhsuk-checkboxes__input"
                id={item.id}
                name={item.id}
                type="checkbox"
                checked={item.checked}
                onChange={(event) => item.onChange(event.target.checked)}
              />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={item.id}>
                {item.label}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
