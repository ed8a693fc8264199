import { useTitle } from '../../app/page';
import { Link } from '../../components/Link';
import { PageHeading } from '../common';

const SECTIONS = [
  {
    to: '/service-desk/accounts',
    title: 'Look up an account',
    text: 'Find an account by username, account ID or patient record, and unlock it',
  },
  {
    to: '/service-desk/worklist',
    title: 'Notifications that did not reach patients',
    text: 'Messages that failed by text and email: contact the patient another way, then resolve them',
  },
];

export function DeskHome() {
  useTitle('Service desk');
  return (
    <>
      <PageHeading>Service desk</PageHeading>
      <ul className="nhsuk-grid-row nhsuk-card-group">
        {SECTIONS.map((section) => (
          <li className="nhsuk-grid-column-full nhsuk-card-group__item" key={section.to}>
            <div className="nhsuk-card nhsuk-card--clickable">
              <div className="nhsuk-card__content">
                <h2 className="nhsuk-card__heading nhsuk-heading-m">
                  <Link className="nhsuk-card__link" to={section.to}>
                    {section.title}
                  </Link>
                </h2>
                <p className="nhsuk-card__description">{section.text}</p>
              </div>
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
