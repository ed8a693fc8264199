/** The NHS.UK page frame: skip link, header with navigation, main content, footer. */
import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { signOut } from '../api/session';
import { navigate } from '../app/router';
import { Link } from './Link';

export interface NavItem {
  to: string;
  label: string;
}

const NHS_LOGO_PATH =
  'M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z';

function SkipLink() {
  return (
    <a className="nhsuk-skip-link" href="#maincontent">
      Skip to main content
    </a>
  );
}

function Header({ nav, current, signedIn }: { nav: NavItem[]; current: string; signedIn: boolean }) {
  function leave() {
    signOut();
    navigate('/signed-out');
  }
  return (
    <header className="nhsuk-header">
      <div className="nhsuk-header__container nhsuk-width-container">
        <div className="nhsuk-header__service">
          <Link className="nhsuk-header__service-logo" to="/" aria-label="Pathways homepage">
            <svg
              className="nhsuk-header__logo"
              xmlns="http://www.w3.org/2000/svg"
              viewBox="0 0 200 80"
              height="40"
              width="100"
              focusable="false"
              role="img"
              aria-label="NHS"
            >
              <title>NHS</title>
              <path fill="currentcolor" d={NHS_LOGO_PATH} />
            </svg>
          </Link>
          <Link className="nhsuk-header__service-name" to="/">
            Pathways
          </Link>
        </div>
        {signedIn ? (
          <nav className="nhsuk-header__account" aria-label="Account">
            <ul className="nhsuk-header__account-list">
              <li className="nhsuk-header__account-item">
                <button className="nhsuk-header__account-button" type="button" onClick={leave}>
                  Sign out
                </button>
              </li>
            </ul>
          </nav>
        ) : null}
      </div>
      {nav.length > 0 ? <Navigation nav={nav} current={current} /> : null}
    </header>
  );
}

function isCurrent(item: NavItem, current: string): boolean {
  return item.to === '/' ? current === '/' : current.startsWith(item.to);
}

function NavLinks({ nav, current }: { nav: NavItem[]; current: string }) {
  return nav.map((item) => {
    const active = isCurrent(item, current);
    return (
      <li
        key={item.to}
        className={`nhsuk-header__navigation-item${active ? ' nhsuk-header__navigation-item--current' : ''}`}
      >
        <Link
          className="nhsuk-header__navigation-link"
          to={item.to}
          {...(active ? { 'aria-current': 'page' as const } : {})}
        >
          {item.label}
        </Link>
      </li>
    );
  });
}

/**
 * The service's pages: in a row from tablet width, and behind one "Menu" button on a phone, where
 * the row would wrap into a tall block above every page (styles.scss switches between the two).
 */
function Navigation({ nav, current }: { nav: NavItem[]; current: string }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page closes the menu
  useEffect(() => setOpen(false), [current]);
  function closeOnEscape(event: KeyboardEvent) {
    if (event.key !== 'Escape' || !open) return;
    setOpen(false);
    toggle.current?.focus();
  }
  const here = nav.find((item) => isCurrent(item, current));
  return (
    <nav className="nhsuk-header__navigation" aria-label="Menu" onKeyDown={closeOnEscape}>
      <div className="nhsuk-header__navigation-container nhsuk-width-container">
        <ul className="nhsuk-header__navigation-list app-header-row">
          <NavLinks nav={nav} current={current} />
        </ul>
        <div className="app-header-menu">
          <button
            ref={toggle}
            className="nhsuk-header__menu-toggle nhsuk-header__navigation-link"
            type="button"
            aria-expanded={open}
            aria-controls="app-menu-list"
            onClick={() => setOpen(!open)}
          >
            Menu
            {here ? <span className="nhsuk-u-visually-hidden">, you are on {here.label}</span> : null}
          </button>
          <ul className="nhsuk-header__menu-list app-header-menu__list" id="app-menu-list" hidden={!open}>
            <NavLinks nav={nav} current={current} />
          </ul>
        </div>
      </div>
    </nav>
  );
}

function Footer() {
  return (
    <footer className="nhsuk-footer">
      <div className="nhsuk-width-container">
        <div className="nhsuk-footer__meta">
          <h2 className="nhsuk-u-visually-hidden">Support links</h2>
          <ul className="nhsuk-footer__list">
            <li className="nhsuk-footer__list-item">
              <Link className="nhsuk-footer__list-item-link" to="/accessibility">
                Accessibility statement
              </Link>
            </li>
            <li className="nhsuk-footer__list-item">
              <Link className="nhsuk-footer__list-item-link" to="/privacy">
                Privacy
              </Link>
            </li>
          </ul>
          <p className="nhsuk-body-s">Pathways: digital prescribing and patient access for the NHS</p>
        </div>
      </div>
    </footer>
  );
}

export function Layout(props: { nav: NavItem[]; current: string; signedIn: boolean; children: ReactNode }) {
  return (
    <>
      <SkipLink />
      <Header nav={props.nav} current={props.current} signedIn={props.signedIn} />
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent" tabIndex={-1}>
          <div className="nhsuk-grid-row">
            <div className="nhsuk-grid-column-two-thirds">{props.children}</div>
          </div>
        </main>
      </div>
      <Footer />
    </>
  );
}
