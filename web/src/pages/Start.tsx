import { useFocusOnArrival, useTitle } from '../app/page';
import { Link } from '../components/Link';

export function Start() {
  useTitle('Pathways: your prescriptions, appointments and test results');
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <>
      <h1 className="nhsuk-heading-xl" ref={heading} tabIndex={-1}>
        Your prescriptions, appointments and test results
      </h1>
      <p className="nhsuk-body-l">Use Pathways to:</p>
      <ul className="nhsuk-list nhsuk-list--bullet">
        <li>see your prescriptions and where each one is</li>
        <li>ask your GP practice for a repeat prescription</li>
        <li>cancel or change a hospital appointment</li>
        <li>see test results once a clinician has checked them</li>
        <li>choose how we contact you</li>
      </ul>
      <p className="nhsuk-body">
        <Link className="nhsuk-button" to="/sign-in" draggable="false">
          Sign in
        </Link>
      </p>
      <h2 className="nhsuk-heading-m">New to Pathways?</h2>
      <p className="nhsuk-body">
        <Link to="/enrol">Create an account</Link>. You will need your NHS number (or CHI number in Scotland),
        your date of birth, your postcode, an email address and a mobile phone.
      </p>
    </>
  );
}
