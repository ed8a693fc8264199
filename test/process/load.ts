/**
 * Concurrent clients creating Patients, each with an identifier value used nowhere else, so that
 * after a crash or a shutdown every attempt can be looked up and judged by what the client saw.
 */
import { HttpFailure, httpRequest } from './http.js';

export interface CreateAttempt {
  /** The Patient's unique identifier value (in the load's system). */
  value: string;
  client: number;
  /** performance.now() when the request was sent. */
  sentAt: number;
  status?: number;
  /** The id from a 2xx answer. */
  id?: string;
  body?: string;
  /** Set when no complete response arrived. */
  failure?: { code: string; responseStarted: boolean };
}

export interface CreateLoad {
  attempts: CreateAttempt[];
  /** Asks every client to stop after its current request. */
  stop(): void;
  /** Resolves when every client has stopped. */
  finished: Promise<void>;
}

export function patientWith(system: string, value: string) {
  return {
    resourceType: 'Patient',
    identifier: [{ system, value }],
    name: [{ family: 'Durable', given: [value] }],
    birthDate: '1980-02-29',
  };
}

/** The id of a returned resource; undefined when the body is not one (the test then fails on it). */
function idIn(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { id?: string }).id;
  } catch {
    return undefined;
  }
}

export const acknowledged = (attempt: CreateAttempt): boolean =>
  attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;

/**
 * Starts `clients` loops that create Patients back to back until `stop()`. A client also stops at
 * its first request that got no complete response: the server is gone or going.
 */
export function startCreateLoad(options: { baseUrl: string; clients: number; system: string }): CreateLoad {
  const attempts: CreateAttempt[] = [];
  const run = Math.random().toString(36).slice(2, 8);
  let stopped = false;
  async function client(index: number): Promise<void> {
    for (let n = 0; !stopped; n++) {
      const value = `${run}-${index}-${n}`;
      const attempt: CreateAttempt = { value, client: index, sentAt: performance.now() };
      attempts.push(attempt);
      try {
        const response = await httpRequest(options.baseUrl, {
          path: '/fhir/R4/Patient',
          body: patientWith(options.system, value),
        });
        attempt.status = response.status;
        attempt.body = response.body;
        if (acknowledged(attempt)) attempt.id = idIn(response.body);
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        attempt.failure = { code: error.code, responseStarted: error.responseStarted };
        return;
      }
    }
  }
  const finished = Promise.all(Array.from({ length: options.clients }, (_, index) => client(index))).then(
    () => {},
  );
  return {
    attempts,
    stop: () => {
      stopped = true;
    },
    finished,
  };
}

/**
 * Waits at least `minMs`, then until `target` creates were acknowledged (at most `maxMs`): a fixed
 * time gives a few dozen writes on a busy 2-core machine and hundreds on an idle one.
 */
export async function loadFor(load: CreateLoad, options: { minMs: number; target: number; maxMs: number }) {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  while (elapsed() < options.maxMs) {
    if (elapsed() >= options.minMs && load.attempts.filter(acknowledged).length >= options.target) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Math.round(elapsed());
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function forEachLimited<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
