/**
 * A fake of the legacy claims system (ePMS) for tests and demos: a node:http server that takes
 * `POST /events` the way the real one must — Content-Digest and RFC 9421 signature checked (400
 * when wrong), each event booked once per Idempotency-Key — and can be told to misbehave: answer
 * 503, hang, answer 400, drop the connection after booking, or refuse connections altogether.
 *
 *   const epms = new FakeEpms({ port: 0 });
 *   const url = await epms.start();          // EPMS_URL for Pathways
 *   await epms.trustKey(pemFromPathways);     // or { keyUrl: '…/pki/feed.pem' } / { keyFile }
 *   epms.behave({ behaviour: 'unavailable', times: 2 });
 *   await epms.refuseConnections(); …; await epms.acceptConnections();
 *
 * Control over HTTP (for the CLI): `POST /_control` with JSON `{"behaviour", "times"?,
 * "prescriptionId"?}`, `{"refuse": true, "forMs"?}` or `{"reset": true}`; `GET /_received`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Headers } from '../signing.js';
import { answer, headersOf, readBody } from './http.js';
import { checkFeedRequest, prescriptionOf } from './incoming.js';
import { Ledger, type LedgerSnapshot } from './ledger.js';
import { type Rule, Switchboard } from './switchboard.js';
import { type KeySource, TrustedKeyHolder } from './trusted-key.js';

export interface FakeEpmsOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  key?: KeySource;
  /** The origin senders address (for `@target-uri`); default `http://<Host header>`. */
  publicOrigin?: string;
  /** Least time between two fetches of a key URL or file (default 5 s). */
  keyRefetchMs?: number;
  /** Default 10 s: how long `POST /_control {"refuse": true}` keeps connections refused. */
  defaultRefuseMs?: number;
  /** Told of every /events request's outcome and Idempotency-Key (never the body). */
  onOutcome?: (outcome: Outcome, idempotencyKey: string | undefined) => void;
}

export interface Received extends LedgerSnapshot {
  /** Every request to /events, and how each was answered. */
  requests: number;
  outcomes: Record<Outcome, number>;
}

export type Outcome = 'applied' | 'duplicate' | 'invalid' | 'unavailable' | 'hung' | 'rejected' | 'dropped';

export class FakeEpms {
  readonly ledger = new Ledger();
  readonly switchboard = new Switchboard();
  readonly #keys: TrustedKeyHolder;
  readonly #server: http.Server;
  readonly #options: FakeEpmsOptions;
  readonly #hanging = new Set<http.ServerResponse>();
  #outcomes = emptyOutcomes();
  #requests = 0;
  #port = 0;
  #listening = false;
  #reopenTimer: NodeJS.Timeout | undefined;
  /** Why the last request was refused, for test diagnostics (never includes the body). */
  lastRefusal: string | undefined;
  /** The last request to /events as received (target URI and headers), for tests. */
  lastRequest: { method: string; url: string; headers: Headers } | undefined;

  constructor(options: FakeEpmsOptions = {}) {
    this.#options = options;
    this.#keys = new TrustedKeyHolder(options.key, options.keyRefetchMs);
    this.#server = http.createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) answer(response, 500, { error: 'INTERNAL' });
      });
    });
  }

  /** Starts listening; resolves with the base URL (EPMS_URL). */
  async start(): Promise<string> {
    await this.#listen(this.#options.port ?? 0);
    return this.url;
  }

  get url(): string {
    const host = this.#options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.#port}`;
  }

  /** Requests being held unanswered (behaviour `hang`). */
  get hanging(): number {
    return this.#hanging.size;
  }

  get accepting(): boolean {
    return this.#listening;
  }

  async trustKey(pem: string): Promise<string> {
    return (await this.#keys.trust(pem)).keyid;
  }

  behave(rule: Rule): void {
    this.switchboard.set(rule);
  }

  /** Closes the listening socket and every connection: senders get ECONNREFUSED. */
  async refuseConnections(): Promise<void> {
    clearTimeout(this.#reopenTimer);
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#dropHanging();
    this.#server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port. */
  async acceptConnections(): Promise<void> {
    clearTimeout(this.#reopenTimer);
    if (!this.#listening) await this.#listen(this.#port);
  }

  received(): Received {
    return { ...this.ledger.snapshot(), requests: this.#requests, outcomes: { ...this.#outcomes } };
  }

  reset(): void {
    this.ledger.reset();
    this.switchboard.reset();
    this.#outcomes = emptyOutcomes();
    this.#requests = 0;
    this.lastRefusal = undefined;
    this.lastRequest = undefined;
  }

  async close(): Promise<void> {
    await this.refuseConnections();
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, this.#options.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/_received') return answer(response, 200, this.received());
    const body = await readBody(request);
    if (body === undefined) return answer(response, 413, { error: 'TOO_LARGE' });
    if (request.method === 'POST' && path === '/_control') return this.#control(body, response);
    if (request.method === 'POST' && path === '/events') return this.#event(request, body, response);
    answer(response, 404, { error: 'NOT_FOUND' });
  }

  async #event(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): Promise<void> {
    this.#requests++;
    const behaviour = this.switchboard.next(prescriptionOf(body));
    if (behaviour === 'unavailable')
      return this.#answer('unavailable', request, response, 503, { error: 'UNAVAILABLE' });
    if (behaviour === 'reject')
      return this.#answer('rejected', request, response, 400, { error: 'REJECTED' });
    if (behaviour === 'hang') {
      this.#count('hung', request);
      this.#hanging.add(response);
      response.on('close', () => this.#hanging.delete(response));
      return;
    }
    const key = await this.#keys.current();
    if (!key) return this.#answer('unavailable', request, response, 503, { error: 'NO_TRUSTED_KEY' });
    const origin =
      this.#options.publicOrigin ?? `http://${request.headers.host ?? `127.0.0.1:${this.#port}`}`;
    const incoming = {
      method: request.method ?? 'POST',
      url: `${origin}${request.url}`,
      headers: headersOf(request),
      body,
    };
    this.lastRequest = { method: incoming.method, url: incoming.url, headers: incoming.headers };
    let checked = await checkFeedRequest(incoming, key);
    if (!checked.ok && checked.error === 'UNKNOWN_KEY') {
      await this.#keys.reload();
      const reloaded = await this.#keys.current();
      if (reloaded) checked = await checkFeedRequest(incoming, reloaded);
    }
    if (!checked.ok) {
      this.lastRefusal = `${checked.error}: ${checked.reason}`;
      return this.#answer('invalid', request, response, 400, {
        error: checked.error,
        detail: checked.reason,
      });
    }
    const booking = this.ledger.book(checked.idempotencyKey, checked.event);
    if (behaviour === 'drop-after-apply') {
      this.#count('dropped', request);
      response.socket?.destroy();
      return;
    }
    this.#answer(booking, request, response, 200, { status: booking, id: checked.event.id });
  }

  #control(body: Buffer, response: http.ServerResponse): void {
    let command: {
      behaviour?: Rule['behaviour'];
      times?: number;
      prescriptionId?: string;
      refuse?: boolean;
      forMs?: number;
      reset?: boolean;
    };
    try {
      command = JSON.parse(body.toString()) as typeof command;
    } catch {
      answer(response, 400, { error: 'INVALID_BODY', detail: 'JSON expected' });
      return;
    }
    try {
      if (command.reset) this.reset();
      if (command.behaviour) {
        this.behave({
          behaviour: command.behaviour,
          ...(command.times !== undefined ? { times: command.times } : {}),
          ...(command.prescriptionId !== undefined ? { prescriptionId: command.prescriptionId } : {}),
        });
      }
    } catch (error) {
      answer(response, 400, { error: 'INVALID_COMMAND', detail: (error as Error).message });
      return;
    }
    if (command.refuse) {
      const forMs = command.forMs ?? this.#options.defaultRefuseMs ?? 10_000;
      // Answer first: once the listener is closed nobody hears from us.
      answer(response, 200, { refusingForMs: forMs }, () => {
        void this.refuseConnections().then(() => {
          this.#reopenTimer = setTimeout(() => void this.acceptConnections(), forMs);
        });
      });
      return;
    }
    answer(response, 200, { rules: this.switchboard.rules() });
  }

  #count(outcome: Outcome, request: http.IncomingMessage): void {
    this.#outcomes[outcome]++;
    const key = request.headers['idempotency-key'];
    this.#options.onOutcome?.(outcome, typeof key === 'string' ? key : undefined);
  }

  #answer(
    outcome: Outcome,
    request: http.IncomingMessage,
    response: http.ServerResponse,
    status: number,
    body: unknown,
  ): void {
    this.#count(outcome, request);
    answer(response, status, body);
  }

  #dropHanging(): void {
    for (const response of this.#hanging) response.socket?.destroy();
    this.#hanging.clear();
  }
}

function emptyOutcomes(): Record<Outcome, number> {
  return { applied: 0, duplicate: 0, invalid: 0, unavailable: 0, hung: 0, rejected: 0, dropped: 0 };
}
