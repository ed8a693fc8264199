/**
 * A raw HTTP client for process tests. One TCP connection per request (no keep-alive) so that
 * every failure means one thing: the connection was refused or dropped for *this* request. It
 * tells apart "no response at all" from "a response that broke off", which fetch does not.
 */

import http, { type IncomingHttpHeaders } from 'node:http';
import { authorizationFor } from './sign-in.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request that ended without a complete response. */
export class HttpFailure extends Error {
  constructor(
    /** ECONNREFUSED, ECONNRESET, TIMEOUT, ... */
    readonly code: string,
    /** true when the status line had arrived: the response was cut off mid-way. */
    readonly responseStarted: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export interface RequestOptions {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** An open request whose body is only partly sent until `finish()`. */
export interface PendingRequest {
  finish(): void;
  response: Promise<HttpResponse>;
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : (error as Error).message;
}

function open(baseUrl: string, options: RequestOptions, split: boolean): PendingRequest {
  const url = new URL(options.path, baseUrl);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  let finish = () => {};
  const response = new Promise<HttpResponse>((resolve, reject) => {
    let started = false;
    let settled = false;
    const fail = (code: string, message: string) => {
      if (settled) return;
      settled = true;
      reject(new HttpFailure(code, started, message));
    };
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: options.method ?? (payload ? 'POST' : 'GET'),
      agent: false,
      headers: {
        accept: 'application/fhir+json',
        ...(payload
          ? { 'content-type': 'application/fhir+json', 'content-length': String(payload.length) }
          : {}),
        ...(authorizationFor.has(baseUrl) ? { authorization: authorizationFor.get(baseUrl) } : {}),
        ...options.headers,
      },
    });
    request.setTimeout(options.timeoutMs ?? 15_000, () =>
      request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
    );
    request.on('error', (error) => fail(codeOf(error), error.message));
    request.on('response', (res) => {
      started = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => fail(codeOf(error), `response broke off: ${error.message}`));
      res.on('close', () => {
        if (settled) return;
        if (!res.complete)
          return fail('INCOMPLETE', `response to ${url.pathname} broke off after the status line`);
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    if (!payload) {
      request.end();
    } else if (!split) {
      request.end(payload);
    } else {
      // Headers and half the body now: the server has started this request and waits for the rest.
      const half = Math.floor(payload.length / 2);
      request.write(payload.subarray(0, half));
      finish = () => request.end(payload.subarray(half));
    }
  });
  return { finish: () => finish(), response };
}

export function httpRequest(baseUrl: string, options: RequestOptions): Promise<HttpResponse> {
  return open(baseUrl, options, false).response;
}

/** Sends the headers and half the body now, the rest on `finish()`: a request held in flight. */
export function openSlowRequest(baseUrl: string, options: RequestOptions): PendingRequest {
  return open(baseUrl, options, true);
}
