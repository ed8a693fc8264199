/**
 * Running a view over resources arriving in batches: rows come out batch by batch, so a view
 * over millions of resources streams. Analysts' views read pseudonymised resources.
 */
import type { Queryable } from '../../platform/database/database.js';
import { invalid } from '../../platform/errors/problem.js';
import { isStoredResourceType } from '../../platform/fhir/resource-types.js';
import { type Pseudonym, pseudonymiseResource } from '../pseudonymise/pseudonymise.js';
import { type CompiledView, compileView, type Row } from './view-definition.js';
import { formatRows, type ViewFormat } from './view-output.js';
import { viewSource } from './view-source.js';

export async function* rowsOf(
  view: CompiledView,
  batches: AsyncIterable<object[]> | Iterable<object[]>,
  pseudonym?: Pseudonym,
): AsyncGenerator<Row[]> {
  for await (const batch of batches) {
    const rows: Row[] = [];
    for (const resource of batch) {
      rows.push(...view.run(pseudonym ? pseudonymiseResource(resource, pseudonym) : resource));
    }
    yield rows;
  }
}

export interface ViewRunInput {
  view: unknown;
  format: ViewFormat;
  /** Run over these instead of the database (the `resource` parameters of $run). */
  resources?: object[];
  /** Set for callers who get pseudonymised data only. */
  pseudonym?: Pseudonym;
}

/** Checks the view, then gives its output as text chunks (nothing is read before the check). */
export function runView(
  db: Queryable,
  input: ViewRunInput,
): { view: CompiledView; chunks: AsyncGenerator<string> } {
  const view = compileView(input.view);
  if (!input.resources && !isStoredResourceType(view.resource)) {
    throw invalid(`Resource type ${view.resource} is not stored here`, 'resource');
  }
  const batches = input.resources ? [input.resources] : viewSource(db, view.resource);
  return { view, chunks: formatRows(rowsOf(view, batches, input.pseudonym), input.format, view.columns) };
}
