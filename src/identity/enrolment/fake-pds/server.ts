/**
 * A local stand-in for a PDS-like demographics API: `GET /Patient/{nhsNumber}` answers the
 * Patient (application/fhir+json), 404 with an OperationOutcome for an unknown number, 400 for one
 * that is not 10 digits. It can be switched to answer 500, to hang (timeouts), or to fail the next
 * few requests, as the real service may.
 *
 *   const pds = new FakePdsServer();
 *   await pds.start();            // DEMOGRAPHICS_URL = pds.url
 *   pds.setMode('error-500'); pds.failNext(2); pds.add(patient);
 *
 * Not for production: `POST /_fake/mode {"mode":"normal"|"error-500"|"hang"}` (no authentication)
 * lets a person or a process-level test flip the mode.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Patient } from '@medplum/fhirtypes';
import { fakePdsPatients } from './patients.js';

export type FakePdsMode = 'normal' | 'error-500' | 'hang';

const MODES: readonly FakePdsMode[] = ['normal', 'error-500', 'hang'];

export interface FakePdsRequest {
  method: string;
  status: number;
}

function outcome(code: string, diagnostics: string) {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code:
          code === 'RESOURCE_NOT_FOUND'
            ? 'not-found'
            : code === 'INVALID_RESOURCE_ID'
              ? 'value'
              : 'exception',
        details: {
          coding: [{ system: 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode', code }],
        },
        diagnostics,
      },
    ],
  };
}

export class FakePdsServer {
  readonly #patients: Map<string, Patient>;
  readonly #requests: FakePdsRequest[] = [];
  readonly #hanging = new Set<ServerResponse>();
  #server: http.Server | undefined;
  #url: string | undefined;
  #mode: FakePdsMode = 'normal';
  #failNext = 0;

  constructor(options: { patients?: Map<string, Patient> } = {}) {
    this.#patients = options.patients ?? fakePdsPatients();
  }

  get url(): string {
    if (!this.#url) throw new Error('fake PDS not started');
    return this.#url;
  }

  /** Adds (or replaces) the record answered for `nhsNumber` (default: the Patient's id). */
  add(patient: Patient, nhsNumber = patient.id!): void {
    this.#patients.set(nhsNumber, patient);
  }

  setMode(mode: FakePdsMode): void {
    this.#mode = mode;
  }

  /** The next `count` Patient requests answer 500. */
  failNext(count: number): void {
    this.#failNext = count;
  }

  /** Every Patient request answered so far (the number asked for is left out). */
  requests(): FakePdsRequest[] {
    return [...this.#requests];
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((request, response) => this.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#hanging.clear();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #send(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/fhir+json' });
    response.end(JSON.stringify(body));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0]!;
    if (request.method === 'POST' && path === '/_fake/mode') {
      this.#control(request, response);
      return;
    }
    const match = /^\/Patient\/([^/]+)$/.exec(path);
    if (request.method !== 'GET' || !match) {
      this.#send(response, 404, outcome('NOT_FOUND', 'No such route'));
      return;
    }
    if (this.#mode === 'hang') {
      this.#hanging.add(response);
      response.once('close', () => this.#hanging.delete(response));
      return;
    }
    const [status, body] = this.#answer(match[1]!);
    this.#requests.push({ method: 'GET', status });
    this.#send(response, status, body);
  }

  #answer(raw: string): [number, unknown] {
    if (this.#mode === 'error-500' || this.#failNext > 0) {
      if (this.#failNext > 0) this.#failNext--;
      return [500, outcome('SERVICE_ERROR', 'Internal server error')];
    }
    if (!/^\d{10}$/.test(raw)) return [400, outcome('INVALID_RESOURCE_ID', 'Invalid resource ID')];
    const patient = this.#patients.get(raw);
    return patient ? [200, patient] : [404, outcome('RESOURCE_NOT_FOUND', 'Patient not found')];
  }

  #control(request: IncomingMessage, response: ServerResponse): void {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      if (body.length < 1024) body += chunk;
    });
    request.on('end', () => {
      let mode: unknown;
      try {
        mode = (JSON.parse(body) as { mode?: unknown }).mode;
      } catch {
        mode = undefined;
      }
      if (!MODES.includes(mode as FakePdsMode)) {
        this.#send(response, 400, outcome('INVALID_VALUE', `mode must be one of ${MODES.join(', ')}`));
        return;
      }
      this.#mode = mode as FakePdsMode;
      this.#send(response, 200, { mode: this.#mode });
    });
  }
}
