/**
 * JSON logs with personal data redacted. Redaction is by key name anywhere in the logged object
 * (pino's paths are exact, so the common shapes are listed at several depths) plus the request
 * headers that carry credentials.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values are personal data or secrets: never written to a log. */
export const REDACTED_KEYS = [
  'name',
  'given',
  'family',
  'birthDate',
  'address',
  'postcode',
  'postalCode',
  'line',
  'telecom',
  'phone',
  'mobile',
  'email',
  'nhsNumber',
  'chiNumber',
  'identifier',
  'password',
  'otp',
  'totpSecret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_assertion',
  'code_verifier',
  'secret',
  'apiKey',
];

function redactPaths(): string[] {
  const paths = [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
    'res.headers["set-cookie"]',
    'headers.authorization',
  ];
  // Two levels of wildcards cover how we log (an object of resources or request parts); each
  // deeper level multiplies the cost of every log call and of every per-request child logger.
  for (const key of REDACTED_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`);
  }
  return paths;
}

const REDACTED = new Set(REDACTED_KEYS);
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const { chindingsSym, setLevelSym } = pino.symbols;

/**
 * fastify's per-request child logger (`childLoggerFactory`). pino's `child()` runs the redaction
 * stringifiers over the bindings on every request (5-6 % of a read's CPU in docs/benchmarks.md),
 * though fastify binds only the request id, which genReqId has already limited to a safe
 * alphabet. Plain string bindings under keys that are never redacted are appended to the parent's
 * serialised bindings directly; anything else goes through `child()` as before. What the child
 * logs is redacted exactly as the parent's.
 */
export function requestChildLogger(
  logger: Logger,
  bindings: Record<string, unknown>,
  options?: object,
): Logger {
  if (options && Object.keys(options).length > 0) return logger.child(bindings, options);
  const parent = logger as unknown as Record<symbol, unknown>;
  let chindings = parent[chindingsSym] as string;
  for (const key in bindings) {
    const value = bindings[key];
    if (typeof value !== 'string' || !PLAIN_KEY.test(key) || REDACTED.has(key)) return logger.child(bindings);
    chindings += `,"${key}":${JSON.stringify(value)}`;
  }
  const child = Object.create(logger) as Record<symbol, unknown>;
  child[chindingsSym] = chindings;
  // As pino's child(): its own level methods, so a level set on it stays on it.
  (child[setLevelSym] as (level: string) => void)(logger.level);
  return child as unknown as Logger;
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'pathways' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: '[REDACTED]' },
      serializers: {
        // URLs can carry identifiers in the query (Patient?identifier=…): log the path only.
        req: (req: { method: string; url: string; id: string }) => ({
          method: req.method,
          path: String(req.url).split('?')[0],
          id: req.id,
        }),
      },
    },
    options.destination,
  );
}
