/**
 * LISTEN on a connection of its own (PostgreSQL only): `onNotify` is called for every
 * notification on `channel`. A lost connection is reconnected after a pause, and `onNotify` is
 * called once then too (a notification sent while it was down is lost, so whoever listens should
 * look). Listeners must not depend on it alone: it is a wake-up, and polling stays the fallback.
 */
import pg from 'pg';

const RECONNECT_MS = 1_000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export interface Listening {
  close(): Promise<void>;
}

export function listenOn(url: string, channel: string, onNotify: () => void): Listening {
  if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const reconnectLater = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, RECONNECT_MS);
    timer.unref();
  };

  async function connect(): Promise<void> {
    const fresh = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    client = fresh;
    fresh.on('error', () => {
      void fresh.end().catch(() => {});
      if (client === fresh) reconnectLater();
    });
    fresh.on('end', () => {
      if (client === fresh) reconnectLater();
    });
    fresh.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    try {
      await fresh.connect();
      await fresh.query(`LISTEN ${channel}`);
      if (closed) await fresh.end();
      else onNotify();
    } catch {
      void fresh.end().catch(() => {});
      reconnectLater();
    }
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}
