/**
 * An MLLP client: one connection, messages sent in order, each resolved with the frames the peer
 * answers. Used to send to the EPR, by the CLI's `hl7 send`, the bench and the tests.
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, frame } from './frame-decoder.js';

export interface MllpClientOptions {
  host: string;
  port: number;
  tls?: tls.ConnectionOptions;
  /** A reply not received within this long fails the send (and the connection). */
  timeoutMs?: number;
  maxMessageBytes?: number;
}

interface Waiter {
  count: number;
  frames: string[];
  resolve: (frames: string[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class MllpClient {
  readonly #socket: net.Socket;
  readonly #decoder: FrameDecoder;
  readonly #waiters: Waiter[] = [];
  readonly #timeoutMs: number;
  #failure: Error | undefined;

  private constructor(socket: net.Socket, options: MllpClientOptions) {
    this.#socket = socket;
    this.#decoder = new FrameDecoder(options.maxMessageBytes ?? 16 * 1024 * 1024);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.#decoder.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const waiter = this.#waiters[0];
        if (!waiter) continue;
        waiter.frames.push(event.payload.toString('utf8'));
        if (waiter.frames.length >= waiter.count) {
          this.#waiters.shift();
          clearTimeout(waiter.timer);
          waiter.resolve(waiter.frames);
        }
      }
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const waiter of this.#waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('MLLP connection closed')));
  }

  static connect(options: MllpClientOptions): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host: options.host, port: options.port, ...options.tls })
        : net.connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`MLLP connect to ${options.host}:${options.port} timed out`));
      }, options.timeoutMs ?? 10_000);
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new MllpClient(socket, options));
      });
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
    });
  }

  /** Sends one message and resolves with the first `replies` frames answered (default one). */
  send(message: string | Buffer, replies = 1): Promise<string[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count: replies,
        frames: [],
        resolve,
        reject,
        timer: setTimeout(() => {
          const error = new Error(`no MLLP reply within ${this.#timeoutMs} ms`);
          this.#failure ??= error;
          reject(error);
          this.#socket.destroy();
        }, this.#timeoutMs),
      };
      this.#waiters.push(waiter);
      this.#socket.write(frame(message));
    });
  }

  /** Writes raw bytes (tests of framing). */
  writeRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  /** Resolves with the next `count` frames, without sending anything. */
  expect(count = 1): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({
        count,
        frames: [],
        resolve,
        reject,
        timer: setTimeout(() => reject(new Error('no MLLP frame in time')), this.#timeoutMs),
      });
    });
  }

  get closed(): boolean {
    return this.#socket.destroyed || this.#socket.readableEnded;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve();
      this.#socket.once('close', () => resolve());
      this.#socket.end();
    });
  }
}
