/** What the enrolment steps share: the heading that takes focus when a step appears. */
import { useFocusOnArrival } from '../../app/page';

export function StepHeading({ children }: { children: string }) {
  const heading = useFocusOnArrival<HTMLHeadingElement>();
  return (
    <h1 className="nhsuk-heading-l" ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
