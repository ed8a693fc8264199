/**
 * The one way the portal talks to the server: same-origin fetch, JSON in and out, and every
 * refusal turned into an ApiError carrying a Problem worded for people. The server's error
 * messages are OperationOutcomes (FHIR, /auth, /admin) or OAuth errors (/oauth2/token).
 */
import { type Problem, problemOf } from '../domain/problem';

export class ApiError extends Error {
  constructor(
    readonly problem: Problem,
    /** RFC 9470: the server wants a fresh sign-in (password and code) before it does this. */
    readonly stepUp: boolean = false,
    /** RFC 6750: the access token is no longer accepted (expired or revoked). */
    readonly invalidToken: boolean = false,
  ) {
    super(problem.message);
  }
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT';
  /** application/json body */
  json?: unknown;
  /** application/fhir+json body */
  fhir?: unknown;
  /** application/x-www-form-urlencoded body */
  form?: Record<string, string>;
  authorization?: string;
}

export function challengeOf(header: string | null): { stepUp: boolean; invalidToken: boolean } {
  const value = header ?? '';
  return {
    stepUp: /error="insufficient_user_authentication"/.test(value),
    invalidToken: /error="invalid_token"/.test(value),
  };
}

function requestInit(options: CallOptions): RequestInit {
  const headers: Record<string, string> = { accept: 'application/fhir+json, application/json' };
  if (options.authorization) headers.authorization = options.authorization;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.fhir !== undefined) {
    headers['content-type'] = 'application/fhir+json';
    body = JSON.stringify(options.fhir);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  return {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    credentials: 'omit',
    cache: 'no-store',
    ...(body !== undefined ? { body } : {}),
  };
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, requestInit(options));
  } catch {
    throw new ApiError(problemOf(0, undefined));
  }
  const body = await bodyOf(response);
  if (!response.ok) {
    const challenge = challengeOf(response.headers.get('www-authenticate'));
    throw new ApiError(
      problemOf(response.status, body, response.headers.get('retry-after')),
      response.status === 401 && challenge.stepUp,
      response.status === 401 && challenge.invalidToken,
    );
  }
  return body as T;
}
