/**
 * A local stand-in for GOV.UK Notify's API, close enough for the real notifications-node-client:
 * `POST /v2/notifications/sms`, `POST /v2/notifications/email`, `GET /v2/notifications/{id}`,
 * Notify's JWT authentication and error bodies, and its test recipients (accepted, then failing
 * shortly afterwards). It can be switched to answer 500 or 429, or to refuse connections.
 *
 *   const notify = new FakeNotifyServer();
 *   await notify.start();                    // NOTIFY_BASE_URL = notify.url, NOTIFY_API_KEY = notify.apiKey
 *   notify.setMode('error-500'); notify.failNext(2, 429); await notify.refuseConnections();
 *
 * Not for production: `GET /_fake/messages` and `POST /_fake/mode` (no authentication) let a
 * person or a process-level test look inside and flip the mode.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Channel } from '../templates.js';
import { type ApiKey, formatApiKey, newApiKey } from './api-key.js';
import { authenticate } from './auth.js';
import { acceptSend, errorBody, isUuid, type NotifyError, type TemplateSource } from './messages.js';
import { type FakeMessage, type Links, notificationResource, sendResponse } from './responses.js';

export type { FakeMessage } from './responses.js';

export type FakeMode = 'normal' | 'error-500' | 'rate-limit-429';

export interface FakeNotifyOptions {
  /** Default: a new random key. */
  apiKey?: ApiKey;
  /** Which template ids exist. Default: Pathways' own (src/notifications/templates.ts). */
  templates?: TemplateSource;
  /** How long an accepted message stays `sending` before its final status. Default 100 ms. */
  settleAfterMs?: number;
  /** The server's clock (JWT `iat` check, timestamps). */
  now?: () => number;
}

export interface FakeRequest {
  method: string;
  path: string;
  status: number;
}

const MAX_BODY = 1024 * 1024;

export class FakeNotifyServer {
  readonly key: ApiKey;
  readonly #templates: TemplateSource;
  readonly #settleAfterMs: number;
  readonly #now: () => number;
  readonly #messages = new Map<string, FakeMessage>();
  readonly #requests: FakeRequest[] = [];
  #server: http.Server | undefined;
  #port = 0;
  #host = '127.0.0.1';
  #mode: FakeMode = 'normal';
  #failNext: { count: number; status: 500 | 429 } = { count: 0, status: 500 };

  constructor(options: FakeNotifyOptions = {}) {
    this.key = options.apiKey ?? newApiKey();
    this.#templates = options.templates ?? 'pathways';
    this.#settleAfterMs = options.settleAfterMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /** NOTIFY_API_KEY for this server. */
  get apiKey(): string {
    return formatApiKey(this.key);
  }

  /** NOTIFY_BASE_URL for this server (after start). */
  get url(): string {
    if (!this.#port) throw new Error('fake Notify server not started');
    return `http://${this.#host}:${this.#port}`;
  }

  /** Every message accepted so far, oldest first, with the status a GET would return now. */
  messages(): (FakeMessage & { status: string })[] {
    return [...this.#messages.values()].map((message) => ({ ...message, status: this.#statusOf(message) }));
  }

  /** Every request answered so far (method, path without query, status). */
  requests(): FakeRequest[] {
    return [...this.#requests];
  }

  setMode(mode: FakeMode): void {
    this.#mode = mode;
  }

  /** The next `count` send or status requests (after authentication) answer `status`. */
  failNext(count: number, status: 500 | 429 = 500): void {
    this.#failNext = { count, status };
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#host = host;
    await this.#listen(port);
    return this.url;
  }

  /** Stops listening and drops open connections; the port stays this server's for later. */
  async refuseConnections(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    // Give clients a moment to see their pooled keep-alive sockets closed, so the next request
    // dials afresh and is refused, as it would be by a server that is down.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  async acceptConnections(): Promise<void> {
    if (!this.#server) await this.#listen(this.#port);
  }

  async stop(): Promise<void> {
    await this.refuseConnections();
  }

  async #listen(port: number): Promise<void> {
    const server = http.createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) this.#send(request, response, 500, { status_code: 500, errors: [] });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  #statusOf(message: FakeMessage): string {
    return this.#now() >= message.settlesAt ? message.finalStatus : 'sending';
  }

  #send(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): void {
    this.#requests.push({ method: request.method ?? '', path: (request.url ?? '').split('?')[0]!, status });
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  #fail(request: IncomingMessage, response: ServerResponse, error: NotifyError): void {
    this.#send(request, response, error.status, errorBody(error));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const raw = await readBody(request);
    if (path.startsWith('/_fake/')) return this.#control(request, response, path, raw);

    const route = matchRoute(request.method ?? '', path);
    if (!route) {
      return this.#send(request, response, 404, {
        result: 'error',
        message: 'The requested URL was not found on the server.',
      });
    }
    const refused = await authenticate(request.headers.authorization, this.key, this.#now());
    if (refused)
      return this.#fail(request, response, {
        status: refused.status,
        error: 'AuthError',
        message: refused.message,
      });
    const injected = this.#injectedFailure();
    if (injected) return this.#fail(request, response, injected);

    if (route.kind === 'get') return this.#get(request, response, route.id);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const accepted = acceptSend(route.type, body, this.#templates);
    if ('status' in accepted) return this.#fail(request, response, accepted);
    const message: FakeMessage = {
      ...accepted,
      id: randomUUID(),
      createdAt: new Date(this.#now()).toISOString(),
      settlesAt: this.#now() + this.#settleAfterMs,
    };
    this.#messages.set(message.id, message);
    this.#send(request, response, 201, sendResponse(message, this.#links()));
  }

  #injectedFailure(): NotifyError | undefined {
    let status: 500 | 429 | undefined;
    if (this.#failNext.count > 0) {
      this.#failNext.count--;
      status = this.#failNext.status;
    } else if (this.#mode === 'error-500') status = 500;
    else if (this.#mode === 'rate-limit-429') status = 429;
    if (status === 500) return { status, error: 'Exception', message: 'Internal server error' };
    if (status === 429) {
      return {
        status,
        error: 'RateLimitError',
        message: 'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds',
      };
    }
    return undefined;
  }

  #get(request: IncomingMessage, response: ServerResponse, id: string): void {
    const message = isUuid(id) ? this.#messages.get(id.toLowerCase()) : undefined;
    if (!message) {
      this.#fail(
        request,
        response,
        isUuid(id)
          ? { status: 404, error: 'NoResultFound', message: 'No result found' }
          : { status: 400, error: 'ValidationError', message: 'notification_id is not a valid UUID' },
      );
      return;
    }
    this.#send(request, response, 200, notificationResource(message, this.#statusOf(message), this.#links()));
  }

  #links(): Links {
    return { baseUrl: this.url, serviceId: this.key.serviceId };
  }

  #control(request: IncomingMessage, response: ServerResponse, path: string, raw: string): void {
    if (request.method === 'GET' && path === '/_fake/messages') {
      this.#send(request, response, 200, { messages: this.messages() });
    } else if (request.method === 'POST' && path === '/_fake/mode') {
      const mode = modeOf(raw);
      if (mode) this.setMode(mode);
      this.#send(
        request,
        response,
        mode ? 200 : 400,
        mode ? { mode } : { error: 'mode must be normal, error-500 or rate-limit-429' },
      );
    } else {
      this.#send(request, response, 404, { error: 'unknown control endpoint' });
    }
  }
}

function modeOf(raw: string): FakeMode | undefined {
  try {
    const mode = (JSON.parse(raw) as { mode?: unknown }).mode;
    return mode === 'normal' || mode === 'error-500' || mode === 'rate-limit-429' ? mode : undefined;
  } catch {
    return undefined;
  }
}

type Route = { kind: 'send'; type: Channel } | { kind: 'get'; id: string };

function matchRoute(method: string, path: string): Route | undefined {
  if (method === 'POST' && path === '/v2/notifications/sms') return { kind: 'send', type: 'sms' };
  if (method === 'POST' && path === '/v2/notifications/email') return { kind: 'send', type: 'email' };
  const get = /^\/v2\/notifications\/([^/]+)$/.exec(path);
  if (method === 'GET' && get) return { kind: 'get', id: decodeURIComponent(get[1]!) };
  return undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
