import { readResults } from '../api/portal';
import { useLoad } from '../app/hooks';
import { useTitle } from '../app/page';
import { InsetText, SummaryList, Tag } from '../components/content';
import { BackLink, Link } from '../components/Link';
import { formatDate } from '../domain/dates';
import { resultsOf } from '../domain/results';
import { LoadStatus, PageHeading } from './common';

export function Results({ patientId }: { patientId: string }) {
  useTitle('Your test results');
  const loaded = useLoad(() => readResults(patientId), patientId);
  const results = loaded.data ? resultsOf(loaded.data) : [];
  return (
    <>
      <PageHeading>Your test results</PageHeading>
      <InsetText>
        <p>
          Results appear here after a clinician has checked them and had time to contact you about anything
          that needs it. This can take a few days.
        </p>
      </InsetText>
      <LoadStatus loaded={loaded} what="your test results" />
      {loaded.data && results.length === 0 ? (
        <>
          <h2 className="nhsuk-heading-m">No results to see yet</h2>
          <p className="nhsuk-body">
            You have no test results to see yet. If you are waiting for a result and are worried, contact the
            team who did the test.
          </p>
        </>
      ) : null}
      {results.length > 0 ? (
        <ul className="app-card-list">
          {results.map((result) => (
            <li className="nhsuk-card nhsuk-card--clickable" key={result.id}>
              <div className="nhsuk-card__content">
                <h2 className="nhsuk-card__heading nhsuk-heading-m">
                  <Link className="nhsuk-card__link" to={`/results/${encodeURIComponent(result.id)}`}>
                    {result.title}
                  </Link>
                </h2>
                <p className="nhsuk-card__description">
                  {result.status}
                  {result.issued ? `, ${formatDate(result.issued)}` : ''}
                </p>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

export function Result({ patientId, resultId }: { patientId: string; resultId: string }) {
  const loaded = useLoad(() => readResults(patientId), `${patientId}/${resultId}`);
  const result = loaded.data ? resultsOf(loaded.data).find((item) => item.id === resultId) : undefined;
  useTitle(result?.title ?? 'Test result');
  return (
    <>
      <BackLink to="/results">Back to your test results</BackLink>
      <PageHeading caption="Test result">{result?.title ?? 'Test result'}</PageHeading>
      <LoadStatus loaded={loaded} what="the result" />
      {loaded.data && !result ? (
        <p className="nhsuk-body">We could not find this result. It may not be ready for you to see yet.</p>
      ) : null}
      {result ? (
        <>
          <SummaryList
            rows={[
              ...(result.issued ? [{ key: 'Date', value: formatDate(result.issued) }] : []),
              { key: 'Status', value: result.status },
              ...(result.conclusion ? [{ key: 'Comment', value: result.conclusion }] : []),
            ]}
          />
          {result.values.length > 0 ? (
            <>
              <h2 className="nhsuk-heading-m">Results</h2>
              <SummaryList
                rows={result.values.map((value) => ({
                  key: value.name,
                  value: (
                    <>
                      <span className="app-result-value">{value.value}</span>
                      {value.interpretation ? (
                        <>
                          {' '}
                          <Tag
                            colour={
                              value.abnormal === true ? 'red' : value.abnormal === false ? 'green' : 'grey'
                            }
                          >
                            {value.interpretation}
                          </Tag>
                        </>
                      ) : null}
                      {value.range ? (
                        <span className="nhsuk-hint nhsuk-u-margin-bottom-0">
                          Normal range: {value.range}
                        </span>
                      ) : null}
                    </>
                  ),
                }))}
              />
            </>
          ) : null}
          <p className="nhsuk-body">
            If you have questions about this result, contact the team who did the test or your GP practice.
          </p>
        </>
      ) : null}
    </>
  );
}
