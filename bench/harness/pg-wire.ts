/**
 * A counting TCP proxy between the service and PostgreSQL: it forwards every byte unchanged and
 * reads the frontend side of the wire protocol, so that the round trips a request costs are
 * counted where they happen, in the real server, with the real driver. A round trip is a simple
 * `Query` or an extended-protocol `Sync` (node-postgres sends one per parameterised query and waits
 * for ReadyForQuery before the next); each is labelled with its statement's first words, from the
 * `Query` text or the `Parse` (or, for a named prepared statement, the `Parse` that named it).
 * Used only in counting runs: the parsing costs the bench process CPU, so never in a measured one.
 */
import net from 'node:net';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

export interface WireCounts {
  roundTrips: number;
  /** Round trips by statement label. */
  byStatement: Map<string, number>;
}

/**
 * A statement's kind and table: `INSERT INTO audit_event`, `UPDATE audit_head`, `SELECT r.id,
 * r.content … FROM fhir_resource`, or its first words.
 */
export function statementLabel(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ');
  if (text.startsWith('WITH key_lock')) return 'INSERT outbox_event (emit)';
  const words = text.split(' ');
  const first = (words[0] ?? '').toUpperCase();
  if (first === 'INSERT' || first === 'DELETE') return words.slice(0, 3).join(' ');
  if (first === 'UPDATE') return words.slice(0, 2).join(' ');
  const from = words.findIndex((word) => word.toUpperCase() === 'FROM');
  if (first === 'SELECT' && from > 0 && words[from + 1]) {
    const columns = words.slice(1, Math.min(from, 3)).join(' ');
    return `SELECT ${columns}${from > 3 ? ' …' : ''} FROM ${words[from + 1]}`;
  }
  return text.slice(0, 60);
}

/** Reads one connection's frontend messages as they stream past. */
class FrontendReader {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private current: string | undefined;
  private readonly named = new Map<string, string>();

  constructor(private readonly count: (label: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (!this.started) {
        // Untyped: the startup message, or an SSL/GSS request that precedes it.
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        this.buffer = this.buffer.subarray(length);
        if (code !== SSL_REQUEST && code !== GSS_REQUEST) this.started = true;
        continue;
      }
      if (this.buffer.length < 5) return;
      const type = String.fromCharCode(this.buffer[0]!);
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      this.message(type, this.buffer.subarray(5, 1 + length));
      this.buffer = this.buffer.subarray(1 + length);
    }
  }

  private message(type: string, body: Buffer): void {
    if (type === 'Q') {
      this.count(statementLabel(cString(body, 0)[0]));
    } else if (type === 'P') {
      const [name, next] = cString(body, 0);
      const label = statementLabel(cString(body, next)[0]);
      if (name) this.named.set(name, label);
      this.current = label;
    } else if (type === 'B') {
      const [, next] = cString(body, 0);
      const statement = cString(body, next)[0];
      if (statement) this.current = this.named.get(statement) ?? `prepared ${statement}`;
    } else if (type === 'S') {
      this.count(this.current ?? 'Sync without a statement');
      this.current = undefined;
    }
  }
}

function cString(buffer: Buffer, start: number): [string, number] {
  const end = buffer.indexOf(0, start);
  const stop = end === -1 ? buffer.length : end;
  return [buffer.toString('utf8', start, stop), stop + 1];
}

export class PgWireCounter {
  private readonly server: net.Server;
  private readonly byStatement = new Map<string, number>();
  private roundTrips = 0;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => this.connection(client));
  }

  private connection(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(client).add(upstream);
    const reader = new FrontendReader((label) => {
      this.roundTrips++;
      this.byStatement.set(label, (this.byStatement.get(label) ?? 0) + 1);
    });
    client.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /** Listens on a free loopback port; returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  snapshot(): WireCounts {
    return { roundTrips: this.roundTrips, byStatement: new Map(this.byStatement) };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What happened between two snapshots. */
export function countsBetween(before: WireCounts, after: WireCounts): WireCounts {
  const byStatement = new Map<string, number>();
  for (const [label, n] of after.byStatement) {
    const delta = n - (before.byStatement.get(label) ?? 0);
    if (delta > 0) byStatement.set(label, delta);
  }
  return { roundTrips: after.roundTrips - before.roundTrips, byStatement };
}
