/**
 * A fake hospital EPR for tests and local use: an MLLP server that acknowledges what Pathways
 * sends (SRM^S03/S04, OMP^O09) and can be told to fail. Like a real EPR it applies a message once
 * per MSH-10: a resend is answered with the first answer and not applied again.
 *
 *   accept   AA (default)
 *   down     not listening: connections are refused
 *   slow     AA after `slowMs`
 *   nak-ae   AE "…" (the EPR refuses the change), not applied
 *   nak-ar   AR (rejected), not applied
 *   drop     applies the message, then closes the connection without answering (a lost ACK)
 *
 * `setMode(mode, times)` applies a mode to the next `times` messages (or connections, for down),
 * then returns to accept; without `times` it stays.
 */
import net from 'node:net';
import { FrameDecoder, frame } from '../mllp/frame-decoder.js';

export type FakeEprMode = 'accept' | 'down' | 'slow' | 'nak-ae' | 'nak-ar' | 'drop';
export const FAKE_EPR_MODES: readonly FakeEprMode[] = ['accept', 'down', 'slow', 'nak-ae', 'nak-ar', 'drop'];

export interface Received {
  controlId: string;
  /** MSH-9, e.g. SRM^S04^SRM_S01. */
  type: string;
  text: string;
  /** What the EPR did: AA/AE/AR, `dropped`, or `duplicate` (answered again, not applied). */
  outcome: 'AA' | 'AE' | 'AR' | 'dropped' | 'duplicate';
  at: string;
}

export interface FakeEprOptions {
  port?: number;
  host?: string;
  slowMs?: number;
  /** The text of an AE. */
  refusal?: string;
  onMessage?: (received: Received) => void;
}

function ackOf(text: string, code: 'AA' | 'AE' | 'AR', note: string): string {
  const msh = (text.split(/\r|\n/)[0] ?? '').split('|');
  const trigger = (msh[8] ?? '').split('^')[1] ?? '';
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  return [
    [
      'MSH',
      '^~\\&',
      'EPR',
      'RXX01',
      msh[2] ?? '',
      msh[3] ?? '',
      stamp,
      '',
      `ACK^${trigger}^ACK`,
      `EPR${stamp}${Math.floor(Math.random() * 1e6)}`,
      'P',
      msh[11] ?? '2.5.1',
    ].join('|'),
    ['MSA', code, msh[9] ?? '', note].join('|'),
    ...(code === 'AA' ? [] : [`ERR||ARQ^1|207^Application internal error^HL70357|E||||${note}`]),
  ].join('\r');
}

export class FakeEpr {
  readonly received: Received[] = [];
  /** MSH-10 → the answer given when it was applied. */
  readonly #applied = new Map<string, string>();
  readonly #sockets = new Set<net.Socket>();
  readonly #options: Required<Omit<FakeEprOptions, 'onMessage'>> & Pick<FakeEprOptions, 'onMessage'>;
  #server: net.Server | undefined;
  #port: number;
  #mode: FakeEprMode = 'accept';
  #times: number | undefined;

  constructor(options: FakeEprOptions = {}) {
    this.#options = {
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      slowMs: options.slowMs ?? 2_000,
      refusal: options.refusal ?? 'The clinic cannot make this change: please call the clinic',
      onMessage: options.onMessage,
    };
    this.#port = this.#options.port;
  }

  get url(): string {
    return `mllp://${this.#options.host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get mode(): FakeEprMode {
    return this.#mode;
  }

  /** Control ids applied, once each however often they were sent. */
  applied(): string[] {
    return [...this.#applied.keys()];
  }

  async start(): Promise<string> {
    if (this.#mode !== 'down') await this.#listen();
    return this.url;
  }

  async setMode(mode: FakeEprMode, times?: number): Promise<void> {
    this.#mode = mode;
    this.#times = times;
    if (mode === 'down') await this.#stopListening();
    else if (!this.#server) await this.#listen();
  }

  async close(): Promise<void> {
    await this.#stopListening();
  }

  async #listen(): Promise<void> {
    const server = net.createServer((socket) => this.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#options.host, () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async #stopListening(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The mode for this message; counts it against `times`. */
  #take(): FakeEprMode {
    const mode = this.#mode;
    if (this.#times !== undefined && mode !== 'down') {
      this.#times -= 1;
      if (this.#times <= 0) {
        this.#mode = 'accept';
        this.#times = undefined;
      }
    }
    return mode;
  }

  #serve(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder(16 * 1024 * 1024);
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const text = event.payload.toString('utf8');
        queue = queue.then(() => this.#answer(socket, text));
      }
    });
  }

  async #answer(socket: net.Socket, text: string): Promise<void> {
    if (socket.destroyed) return;
    const msh = (text.split(/\r|\n/)[0] ?? '').split('|');
    const controlId = msh[9] ?? '';
    const record = (outcome: Received['outcome']) => {
      const received = { controlId, type: msh[8] ?? '', text, outcome, at: new Date().toISOString() };
      this.received.push(received);
      this.#options.onMessage?.(received);
    };
    const earlier = this.#applied.get(controlId);
    if (earlier !== undefined) {
      record('duplicate');
      socket.write(frame(earlier));
      return;
    }
    const mode = this.#take();
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, this.#options.slowMs));
    if (mode === 'nak-ae' || mode === 'nak-ar') {
      const code = mode === 'nak-ae' ? 'AE' : 'AR';
      record(code);
      socket.write(frame(ackOf(text, code, code === 'AE' ? this.#options.refusal : 'Message rejected')));
      return;
    }
    const ack = ackOf(text, 'AA', 'Request received');
    this.#applied.set(controlId, ack);
    if (mode === 'drop') {
      record('dropped');
      socket.destroy();
      return;
    }
    record('AA');
    if (!socket.destroyed) socket.write(frame(ack));
  }
}
