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
