/**
 * The one MLLP connection to the EPR, behind a circuit breaker (cockatiel). A failed connect, a
 * lost connection or no ACK in time counts as a failure; after `breakerFailures` in a row the
 * breaker opens and attempts fail at once (no connection tried) for `breakerOpenMs`, then one
 * attempt is let through: its success closes the breaker. A NAK is an answer, not a failure: the
 * EPR is up and has said no. Retrying is the outbox's job (back-off per event).
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';
import type { Logger } from '../../platform/logging/logger.js';
import { MllpClient } from '../mllp/client.js';
import type { EprSettings } from './epr-settings.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class EprUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EprUnavailable';
  }
}

export class EprLink {
  readonly #settings: Pick<EprSettings, 'host' | 'port' | 'timeoutMs' | 'breakerFailures' | 'breakerOpenMs'>;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #log: Logger | undefined;
  #client: Promise<MllpClient> | undefined;
  /** One message at a time on the connection: the EPR answers in order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(settings: EprLink['settings'], log?: Logger) {
    this.#settings = settings;
    this.#log = log;
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: settings.breakerOpenMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailures),
    });
    this.#breaker.onBreak(() => this.#log?.warn({ epr: this.target }, 'EPR circuit breaker opened'));
    this.#breaker.onReset(() => this.#log?.info({ epr: this.target }, 'EPR circuit breaker closed'));
  }

  get settings(): Pick<EprSettings, 'host' | 'port' | 'timeoutMs' | 'breakerFailures' | 'breakerOpenMs'> {
    return this.#settings;
  }

  get target(): string {
    return `${this.#settings.host}:${this.#settings.port}`;
  }

  get state(): BreakerState {
    const state = this.#breaker.state;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /** Sends one message and resolves with the EPR's first answer; EprUnavailable when it cannot. */
  send(message: string): Promise<string> {
    const run = this.#queue.then(() => this.#attempt(message));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #attempt(message: string): Promise<string> {
    try {
      return await this.#breaker.execute(async () => {
        try {
          let client = await this.#connection();
          if (client.closed) {
            // The EPR closed an idle connection: reconnect rather than count a failure.
            this.#drop();
            client = await this.#connection();
          }
          return (await client.send(message))[0]!;
        } catch (error) {
          this.#drop();
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new EprUnavailable(`The EPR at ${this.target} is unavailable (circuit breaker open)`, {
          cause: error,
        });
      }
      throw new EprUnavailable(`The EPR at ${this.target} did not answer: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #connection(): Promise<MllpClient> {
    if (this.#client) return this.#client;
    const connecting = MllpClient.connect({
      host: this.#settings.host,
      port: this.#settings.port,
      timeoutMs: this.#settings.timeoutMs,
    }).then((client) => {
      if (client.closed) throw new Error('MLLP connection closed');
      return client;
    });
    this.#client = connecting;
    connecting.catch(() => {
      if (this.#client === connecting) this.#client = undefined;
    });
    return connecting;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    void client?.then((c) => c.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.then((c) => c.close()).catch(() => undefined);
  }
}
