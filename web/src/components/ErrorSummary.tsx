import { type MouseEvent, useEffect, useRef } from 'react';
import type { Errors } from '../domain/forms';

/**
 * The NHS.UK error summary. It takes focus when it appears (so screen readers announce it and
 * keyboard users start from it); each link moves focus to its field without changing the URL.
 */
export function ErrorSummary({ errors, title = 'There is a problem' }: { errors: Errors; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length > 0) ref.current?.focus();
  }, [errors]);
  if (errors.length === 0) return null;

  function jump(event: MouseEvent<HTMLAnchorElement>, field: string) {
    const target = document.getElementById(field);
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: 'center' });
    target.focus();
  }

  return (
    <div className="nhsuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="nhsuk-error-summary__heading" id="error-summary-title">
          {title}
        </h2>
        <div className="nhsuk-error-summary__body">
          <ul className="nhsuk-list nhsuk-error-summary__list">
            {errors.map((error) => (
              <li key={`${error.field}:${error.message}`}>
                {error.field ? (
                  <a href={`#${error.field}`} onClick={(event) => jump(event, error.field)}>
                    {error.message}
                  </a>
                ) : (
                  error.message
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

export function errorFor(errors: Errors, field: string): string | undefined {
  return errors.find((error) => error.field === field)?.message;
}
