import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { navigate } from '../app/router';

type Props = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link that changes page without reloading (modifier clicks still open a new tab). */
export function Link({ to, onClick, children, ...rest }: Props) {
  function follow(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} onClick={follow} {...rest}>
      {children}
    </a>
  );
}

export function BackLink({ to, children = 'Back' }: { to: string; children?: string }) {
  return (
    <Link className="nhsuk-back-link" to={to}>
      {children}
    </Link>
  );
}
