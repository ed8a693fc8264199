/**
 * A TCP proxy on the loopback in front of PostgreSQL, to play the network's part in an outage:
 * `down()` resets every connection and refuses new ones (a primary that died, a failover in
 * progress); `blackhole()` keeps sockets open but forwards nothing (a host that vanished without
 * closing its sockets); `up()` forwards again. `cutCommits()` breaks each connection at its COMMIT,
 * before the server gets it (nothing committed) or after (committed, but the answer is lost).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  up(): void;
  down(): void;
  blackhole(): void;
  /** Until `up()`: a connection that sends COMMIT is reset, before or after the server gets it. */
  cutCommits(when: 'before' | 'after'): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'up' | 'down' | 'blackhole' = 'up';
  let cut: 'before' | 'after' | undefined;
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  // The simple-protocol Query message node-postgres sends for COMMIT: 'Q', int32 length, text, NUL.
  const commit = Buffer.from('COMMIT\0');
  const listener = net.createServer((client) => {
    if (mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    const server = net.connect(target);
    const pair = { client, server };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    let cutOnReply = false;
    client.on('data', (chunk: Buffer) => {
      if (mode !== 'up') return;
      if (cut && chunk.includes(commit)) {
        if (cut === 'before') {
          client.resetAndDestroy();
          server.destroy();
          return;
        }
        cutOnReply = true;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (mode !== 'up') return;
      if (cutOnReply) {
        client.resetAndDestroy();
        server.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address() as net.AddressInfo;
  return {
    port: address.port,
    up: () => {
      mode = 'up';
      cut = undefined;
    },
    cutCommits: (when) => {
      cut = when;
    },
    down: () => {
      mode = 'down';
      for (const { client, server } of pairs) {
        client.resetAndDestroy();
        server.destroy();
      }
      pairs.clear();
    },
    blackhole: () => {
      mode = 'blackhole';
    },
    close: async () => {
      for (const { client, server } of pairs) {
        client.destroy();
        server.destroy();
      }
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
