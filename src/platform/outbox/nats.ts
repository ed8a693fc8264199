/**
 * Publishes every business event to NATS JetStream (docs/api.md §9): subject
 * `pathways.events.<type>`, header `Nats-Msg-Id` = event id, so JetStream drops a re-publish of
 * the same event inside the stream's duplicate window.
 *
 * It is an outbox consumer like any other, so NATS is never on the path of a write: while NATS is
 * down, publishing fails and the outbox retries with back-off; the connection is made lazily, on
 * the first delivery, and never delays start-up.
 */
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { RetryPolicy } from '../jobs/backoff.js';
import type { Logger } from '../logging/logger.js';
import type { ExternalConsumer } from './consumer.js';

export interface NatsPublisherOptions {
  url: string;
  log: Logger;
  /** Consumer name (receipts, job queue). Default `nats`. */
  name?: string;
  /** Stream created when missing (an existing stream's settings are left alone). */
  stream?: string;
  subjectPrefix?: string;
  connectTimeoutMs?: number;
  publishTimeoutMs?: number;
  /** JetStream de-duplicates a msgID within this window: longer than the longest retry gap. */
  duplicateWindowS?: number;
  maxAgeDays?: number;
  /** Servers that keep a copy of each event when the stream is created (3 on a 3-server cluster). */
  streamReplicas?: number;
  /** Default 1 s doubling to 30 s, forever: catch up soon after NATS returns. */
  retry?: Partial<RetryPolicy>;
  /** Per key (prescription) order, like the claims feed. Default true. */
  ordered?: boolean;
  concurrency?: number;
}

const STREAM_NOT_FOUND = 10059;

export function createNatsPublisher(options: NatsPublisherOptions): ExternalConsumer {
  const prefix = options.subjectPrefix ?? 'pathways.events';
  const publishTimeoutMs = options.publishTimeoutMs ?? 5000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const link = new JetStreamLink({
    url: options.url,
    log: options.log.child({ component: 'nats' }),
    connectTimeoutMs,
    publishTimeoutMs,
    stream: {
      name: options.stream ?? 'PATHWAYS_EVENTS',
      subjects: [`${prefix}.>`],
      duplicateWindowS: options.duplicateWindowS ?? 600,
      maxAgeDays: options.maxAgeDays ?? 7,
      replicas: options.streamReplicas ?? 1,
    },
  });
  return {
    name: options.name ?? 'nats',
    types: '*',
    ordered: options.ordered ?? true,
    concurrency: options.concurrency ?? 16,
    retry: { baseDelayS: 1, maxDelayS: 30, ...options.retry },
    timeoutMs: connectTimeoutMs + publishTimeoutMs + 1000,
    async deliver(event) {
      const js = await link.client();
      await js.publish(`${prefix}.${event.type}`, JSON.stringify(event), {
        msgID: event.id,
        timeout: publishTimeoutMs,
      });
    },
    close: () => link.close(),
  };
}

interface StreamSettings {
  name: string;
  subjects: string[];
  duplicateWindowS: number;
  maxAgeDays: number;
  replicas: number;
}

/** One lazily made connection, re-made if it closes; the stream is ensured on each new one. */
class JetStreamLink {
  #connection: NatsConnection | undefined;
  #client: JetStreamClient | undefined;
  #connecting: Promise<JetStreamClient> | undefined;
  #closed = false;

  constructor(
    private readonly settings: {
      url: string;
      log: Logger;
      connectTimeoutMs: number;
      publishTimeoutMs: number;
      stream: StreamSettings;
    },
  ) {}

  async client(): Promise<JetStreamClient> {
    if (this.#closed) throw new Error('NATS publisher is closed');
    if (this.#client && this.#connection && !this.#connection.isClosed()) return this.#client;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#connecting?.catch(() => {});
    await this.#connection?.close().catch(() => {});
  }

  async #connect(): Promise<JetStreamClient> {
    const { url, log, connectTimeoutMs, publishTimeoutMs } = this.settings;
    // Once connected, the client reconnects by itself for as long as it takes; publishes made
    // meanwhile time out and are retried by the outbox.
    const connection = await connect({
      servers: url,
      name: 'pathways',
      timeout: connectTimeoutMs,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
    try {
      await ensureStream(
        await jetstreamManager(connection, { timeout: publishTimeoutMs }),
        this.settings.stream,
      );
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await connection.close().catch(() => {});
      throw new Error('NATS publisher is closed');
    }
    log.info({ server: connection.getServer() }, 'connected to NATS');
    void this.#watch(connection);
    this.#connection = connection;
    this.#client = jetstream(connection, { timeout: publishTimeoutMs });
    return this.#client;
  }

  async #watch(connection: NatsConnection): Promise<void> {
    try {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          this.settings.log.info({ status: status.type }, `NATS ${status.type}`);
        }
      }
    } catch {}
  }
}

async function ensureStream(jsm: JetStreamManager, stream: StreamSettings): Promise<void> {
  try {
    await jsm.streams.info(stream.name);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND)) throw error;
  }
  try {
    await jsm.streams.add({
      name: stream.name,
      subjects: stream.subjects,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(stream.duplicateWindowS * 1000),
      max_age: nanos(stream.maxAgeDays * 86_400_000),
      num_replicas: stream.replicas,
    });
  } catch (error) {
    // Another replica may have created it a moment ago; only a stream that still is not there fails.
    await jsm.streams.info(stream.name).catch(() => {
      throw error;
    });
  }
}
