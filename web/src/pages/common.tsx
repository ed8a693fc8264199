/** Pieces the patient pages share: the page heading, and what to show while loading and when it fails. */
import type { ReactNode } from 'react';
import type { Loaded } from '../app/hooks';
import { useFocusOnArrival } from '../app/page';
import { Button, Loading } from '../components/content';
import type { Problem } from '../domain/problem';

export function PageHeading({ children, caption }: { children: ReactNode; caption?: string }) {
  const ref = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <h1 className="nhsuk-heading-l" ref={ref} tabIndex={-1}>
      {caption ? <span className="nhsuk-caption-l">{caption}</span> : null}
      {children}
    </h1>
  );
}

export function LoadProblem({
  problem,
  reload,
  notFound,
}: {
  problem: Problem;
  reload: () => void;
  notFound?: string;
}) {
  if (problem.status === 404 || problem.status === 410) {
    return <p className="nhsuk-body">{notFound ?? 'We could not find this. It may have been removed.'}</p>;
  }
  return (
    <div className="nhsuk-card nhsuk-card--warning">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading">
          <span className="nhsuk-u-visually-hidden">Important: </span>
          We could not load this page
        </h2>
        <p className="nhsuk-card__description">{problem.message}</p>
        <Button type="button" variant="secondary" onClick={reload}>
          Try again
        </Button>
      </div>
    </div>
  );
}

/** "943 476 5919": NHS numbers are written in groups of 3, 3 and 4. */
export function spacedNumber(value: string | undefined): string {
  if (!value || !/^\d{10}$/.test(value)) return value ?? '';
  return `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}`;
}

/** While `loaded` has no data yet: "Loading …"; when it failed: the problem and a way to try again. */
export function LoadStatus<T>({
  loaded,
  what,
  notFound,
}: {
  loaded: Loaded<T>;
  what: string;
  notFound?: string;
}) {
  if (loaded.loading && !loaded.data) return <Loading what={what} />;
  if (loaded.problem)
    return (
      <LoadProblem problem={loaded.problem} reload={loaded.reload} {...(notFound ? { notFound } : {})} />
    );
  return null;
}
