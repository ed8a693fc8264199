/** Pure rules for versions, ETags and preconditions (FHIR R4 http.html#versioning). */
import { Problem } from '../../errors/problem.js';

export function etag(versionId: number | string): string {
  return `W/"${versionId}"`;
}

/** Reads the version a client names in If-Match (`W/"3"`, `"3"` or `3`). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = header.trim().match(/^(?:W\/)?"?(\d{1,15})"?$/);
  if (!match) {
    throw new Problem('INVALID_VALUE', `If-Match must be a version ETag like W/"3", got ${header}`);
  }
  return Number(match[1]);
}

export function checkIfMatch(expected: number | undefined, current: number | undefined): void {
  if (expected === undefined) return;
  if (current === undefined) {
    throw new Problem(
      'PRECONDITION_FAILED',
      `If-Match ${etag(expected)} names a resource that does not exist`,
    );
  }
  if (expected !== current) {
    throw new Problem(
      'PRECONDITION_FAILED',
      `If-Match ${etag(expected)} does not match the current version ${etag(current)}`,
    );
  }
}

/** `If-None-Exist: identifier=sys|val` (query string without `?`) as search parameters. */
export function parseIfNoneExist(header: string | undefined): URLSearchParams | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const query = header
    .trim()
    .replace(/^[A-Za-z]+\?/, '')
    .replace(/^\?/, '');
  const params = new URLSearchParams(query);
  if ([...params.keys()].length === 0) {
    throw new Problem(
      'INVALID_VALUE',
      'If-None-Exist must be a search query such as identifier=system|value',
    );
  }
  return params;
}
