/**
 * A view's rows as text, chunk by chunk, in the three `_format`s of ViewDefinition/$run: json
 * (one array of row objects), ndjson (a row object a line) and csv (a header, then a line a row;
 * RFC 4180 quoting by csv-stringify). Collections and objects are written as JSON in CSV.
 */
import { stringify } from 'csv-stringify/sync';
import { invalid } from '../../platform/errors/problem.js';
import type { Row } from './view-definition.js';

export type ViewFormat = 'json' | 'ndjson' | 'csv';

export const CONTENT_TYPES: Record<ViewFormat, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

const FORMATS: Record<string, ViewFormat> = {
  json: 'json',
  'application/json': 'json',
  'application/fhir+json': 'json',
  ndjson: 'ndjson',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/fhir+ndjson': 'ndjson',
  csv: 'csv',
  'text/csv': 'csv',
};

export function parseFormat(raw: string | undefined): ViewFormat {
  if (raw === undefined) return 'json';
  const format = FORMATS[raw.trim().toLowerCase()];
  if (!format) throw invalid(`_format ${raw} is not supported: use json, ndjson or csv`, '_format');
  return format;
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Text chunks for rows arriving batch by batch. The first chunk carries the header (or the
 * opening bracket) with the first batch's rows, so taking it runs the view over that batch.
 */
export async function* formatRows(
  rows: AsyncIterable<Row[]>,
  format: ViewFormat,
  columns: readonly string[],
): AsyncGenerator<string> {
  let pending = format === 'csv' ? stringify([columns as string[]]) : format === 'json' ? '[' : '';
  let first = true;
  for await (const batch of rows) {
    let text = '';
    if (format === 'csv') {
      if (batch.length > 0)
        text = stringify(batch.map((row) => columns.map((column) => csvValue(row[column]))));
    } else if (format === 'ndjson') {
      if (batch.length > 0) text = `${batch.map((row) => JSON.stringify(row)).join('\n')}\n`;
    } else if (batch.length > 0) {
      text = `${first ? '' : ','}${batch.map((row) => JSON.stringify(row)).join(',')}`;
      first = false;
    }
    if (pending !== '' || text !== '') yield pending + text;
    pending = '';
  }
  const closing = format === 'json' ? ']' : '';
  if (pending !== '' || closing !== '') yield pending + closing;
}
