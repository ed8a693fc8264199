/**
 * The MLLP listener over node:net (or node:tls when a certificate is configured). Each connection
 * has its own frame decoder and handles its messages one at a time, in the order they arrived, so
 * a sender that pipelines gets its ACKs in order. Limits: message size (an oversized frame is
 * answered AR and dropped), bytes queued per connection (reading pauses until the queue drains),
 * connections at once, and idle time. A broken peer or a bad frame never takes the process down.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../platform/logging/logger.js';
import type { Processed } from '../inbox/processor.js';
import { ackEncoding } from '../message/parse.js';
import { FrameDecoder, frame } from './frame-decoder.js';

export interface MllpListenerOptions {
  process(payload: Buffer): Promise<Processed>;
  /** Called for a frame too large to read: the AR to send. */
  refuseOversized(head: Buffer, bytes: number): string;
  maxMessageBytes: number;
  maxConnectionBytes: number;
  maxConnections: number;
  idleTimeoutMs: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  log: Logger;
}

interface Connection {
  socket: net.Socket;
  queue: Buffer[];
  queuedBytes: number;
  busy: boolean;
  paused: boolean;
}

export class MllpListener {
  readonly #options: MllpListenerOptions;
  readonly #server: net.Server;
  readonly #connections = new Set<Connection>();
  #closing = false;

  constructor(options: MllpListenerOptions) {
    this.#options = options;
    const onConnection = (socket: net.Socket) => this.#accept(socket);
    this.#server = options.tls
      ? tls.createServer(
          { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' },
          onConnection,
        )
      : net.createServer(onConnection);
    this.#server.maxConnections = options.maxConnections;
    this.#server.on('error', (error) => options.log.error({ err: error }, 'MLLP listener error'));
    if (options.tls) {
      this.#server.on('tlsClientError', (error) =>
        options.log.warn({ err: error.message }, 'MLLP TLS handshake failed'),
      );
    }
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  listen(port: number, host?: string): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as net.AddressInfo);
      });
    });
  }

  /** Stops accepting, lets each connection finish the message in hand, then closes them. */
  async close(graceMs = 5_000): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#connections) {
      connection.queue = [];
      if (!connection.busy) connection.socket.end();
    }
    const deadline = setTimeout(() => {
      for (const connection of this.#connections) connection.socket.destroy();
    }, graceMs);
    deadline.unref();
    await closed;
    clearTimeout(deadline);
  }

  #accept(socket: net.Socket): void {
    const { log } = this.#options;
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, queue: [], queuedBytes: 0, busy: false, paused: false };
    this.#connections.add(connection);
    const decoder = new FrameDecoder(this.#options.maxMessageBytes);
    socket.setNoDelay(true);
    socket.setTimeout(this.#options.idleTimeoutMs, () => {
      if (!connection.busy && connection.queue.length === 0) {
        log.info({ remote: socket.remoteAddress }, 'MLLP connection idle; closing');
        socket.end();
      }
    });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind === 'oversized') {
          log.warn(
            { bytes: event.bytes, limit: this.#options.maxMessageBytes },
            'MLLP frame over the size limit',
          );
          this.#write(connection, [this.#options.refuseOversized(event.head, event.bytes)], 'utf8');
          continue;
        }
        connection.queue.push(event.payload);
        connection.queuedBytes += event.payload.length;
      }
      if (
        connection.queuedBytes + decoder.bufferedBytes > this.#options.maxConnectionBytes &&
        !connection.paused
      ) {
        connection.paused = true;
        socket.pause();
      }
      void this.#drain(connection);
    });
    socket.on('error', (error) => log.debug({ err: error.message }, 'MLLP connection error'));
    socket.on('close', () => {
      connection.queue = [];
      this.#connections.delete(connection);
    });
  }

  async #drain(connection: Connection): Promise<void> {
    if (connection.busy) return;
    connection.busy = true;
    try {
      while (connection.queue.length > 0 && !connection.socket.destroyed) {
        const payload = connection.queue.shift()!;
        connection.queuedBytes -= payload.length;
        let processed: Processed;
        try {
          processed = await this.#options.process(payload);
        } catch (error) {
          // The processor answers every failure itself; this is a bug, not a message problem.
          this.#options.log.error({ err: error }, 'MLLP message processing failed unexpectedly');
          continue;
        }
        this.#write(connection, processed.acks, ackEncoding(processed.header?.characterSet ?? ''));
        if (connection.paused && connection.queuedBytes <= this.#options.maxConnectionBytes / 2) {
          connection.paused = false;
          connection.socket.resume();
        }
      }
    } finally {
      connection.busy = false;
      if (this.#closing) connection.socket.end();
    }
  }

  #write(connection: Connection, acks: string[], encoding: BufferEncoding): void {
    if (connection.socket.destroyed || !connection.socket.writable) return;
    for (const ack of acks) connection.socket.write(frame(Buffer.from(ack, encoding)));
  }
}
