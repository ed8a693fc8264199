/** Pages with nothing to load: signed out, not found, wrong kind of account, and the footer's pages. */
import { useFocusOnArrival, useTitle } from '../app/page';
import { Link } from '../components/Link';

function Heading({ children }: { children: string }) {
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <h1 className="nhsuk-heading-l" ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function SignedOut() {
  useTitle('You have signed out');
  return (
    <>
      <Heading>You have signed out</Heading>
      <p className="nhsuk-body">
        <Link to="/sign-in">Sign in again</Link>
      </p>
    </>
  );
}

export function NotFound() {
  useTitle('Page not found');
  return (
    <>
      <Heading>Page not found</Heading>
      <p className="nhsuk-body">If you typed the web address, check it is correct.</p>
      <p className="nhsuk-body">If you pasted the web address, check you copied the entire address.</p>
      <p className="nhsuk-body">
        <Link to="/">Go to the Pathways homepage</Link>
      </p>
    </>
  );
}

/**
 * A page the signed-in account is not for: said to a patient in a patient's words (the service
 * desk's pages), to desk staff in theirs (a patient's pages), and to anyone else generally.
 */
export function NotForThisAccount({ account }: { account?: 'patient' | 'desk' }) {
  useTitle(account === 'patient' ? 'This page is for service desk staff' : 'You cannot use this page');
  if (account === 'patient') {
    return (
      <>
        <Heading>This page is for service desk staff</Heading>
        <p className="nhsuk-body">
          You are signed in to your own account. Your prescriptions, appointments, test results and contact
          preferences are on your homepage.
        </p>
        <p className="nhsuk-body">
          If you need help with your account, for example it is locked, contact your GP practice and they can
          put you in touch with the service desk.
        </p>
        <p className="nhsuk-body">
          <Link to="/">Go to your homepage</Link>
        </p>
      </>
    );
  }
  if (account === 'desk') {
    return (
      <>
        <Heading>You cannot use this page</Heading>
        <p className="nhsuk-body">
          This page shows a patient their own records, so it needs a patient's account. Service desk staff see
          accounts and the notification worklist instead.
        </p>
        <p className="nhsuk-body">
          <Link to="/service-desk">Go to the service desk</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <Heading>You cannot use this page</Heading>
      <p className="nhsuk-body">
        This part of Pathways is where patients see their records and the service desk helps them.
        Prescribers, pharmacies and hospital staff use Pathways through their own clinical systems.
      </p>
      <p className="nhsuk-body">
        <Link to="/">Go to the Pathways homepage</Link>
      </p>
    </>
  );
}

export function Accessibility() {
  useTitle('Accessibility statement');
  return (
    <>
      <Heading>Accessibility statement</Heading>
      <p className="nhsuk-body">
        Pathways is built with the NHS.UK design system and aims to meet the Web Content Accessibility
        Guidelines (WCAG) 2.2 at level AA. Every page is tested with the axe accessibility checker, at phone
        and desktop sizes, and can be used with a keyboard alone.
      </p>
      <p className="nhsuk-body">
        If something does not work for you, tell your GP practice or the service desk, who can help you
        another way.
      </p>
    </>
  );
}

export function Privacy() {
  useTitle('Privacy');
  return (
    <>
      <Heading>Privacy</Heading>
      <p className="nhsuk-body">
        Pathways shows you information from your own health record. Every time someone sees or changes that
        information, it is recorded, so you and the NHS can check who did.
      </p>
      <p className="nhsuk-body">
        Pathways does not use cookies. Your sign-in is kept in this browser tab only and ends when you close
        it or sign out.
      </p>
    </>
  );
}
