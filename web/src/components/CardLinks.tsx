/** A page's sections as NHS.UK clickable cards: a heading that links, and a line on what is there. */
import { Link } from './Link';

export interface CardLink {
  to: string;
  title: string;
  text: string;
}

export function CardLinks({ links }: { links: CardLink[] }) {
  return (
    <ul className="nhsuk-grid-row nhsuk-card-group">
      {links.map((link) => (
        <li className="nhsuk-grid-column-full nhsuk-card-group__item" key={link.to}>
          <div className="nhsuk-card nhsuk-card--clickable">
            <div className="nhsuk-card__content">
              <h2 className="nhsuk-card__heading nhsuk-heading-m">
                <Link className="nhsuk-card__link" to={link.to}>
                  {link.title}
                </Link>
              </h2>
              <p className="nhsuk-card__description">{link.text}</p>
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}
