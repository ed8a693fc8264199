/**
 * Which GET requests the portal's index.html answers (pure): the app's own pages, for browsers.
 * API prefixes, files, and clients asking only for JSON keep the service's OperationOutcome 404,
 * so a mistyped API URL is never answered with a web page.
 */

/** First path segments that belong to the service's APIs and files, never to the web app. */
export const RESERVED_PREFIXES: ReadonlySet<string> = new Set([
  'fhir',
  'admin',
  'auth',
  'oauth2',
  'pki',
  'assets',
  '.well-known',
  'healthz',
  'readyz',
  'metrics',
]);

const MAX_PATH = 2048;

export function isClientRoute(path: string): boolean {
  if (!path.startsWith('/') || path.length > MAX_PATH) return false;
  const segments = path.split('/').filter(Boolean);
  const first = segments[0];
  if (first !== undefined && RESERVED_PREFIXES.has(first.toLowerCase())) return false;
  // A dot names a file (favicon.ico, robots.txt, a stale hashed asset): those 404 instead.
  return !segments.some((segment) => segment.includes('.') || segment.includes('%'));
}

/** A browser navigation accepts HTML; `curl` sends no Accept (or any). JSON-only clients do not. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return /(^|,)\s*(text\/html|\*\/\*|text\/\*)\s*(;|,|$)/i.test(accept);
}
