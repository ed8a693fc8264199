/**
 * PostgreSQL's CancelRequest (protocol §55.2.8): a new connection that sends the backend's
 * process id and secret key, and nothing else. No pool connection, no authentication, so a
 * cancel works while the pool is exhausted. The server may still finish the statement first;
 * the caller never reuses a connection it cancelled on (see postgres.ts).
 */
import net from 'node:net';

export interface CancelTarget {
  host: string;
  port: number;
}

const CANCEL_REQUEST_CODE = 80877102;

export function sendCancelRequest(target: CancelTarget, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = target.host.startsWith('/')
      ? net.connect(`${target.host}/.s.PGSQL.${target.port}`)
      : net.connect(target.port, target.host);
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    message.writeInt32BE(processId, 8);
    message.writeInt32BE(secretKey, 12);
    socket.setTimeout(5_000, () => socket.destroy());
    socket.once('connect', () => socket.end(message));
    // The server closes the connection without an answer; a failed cancel leaves the statement
    // to the statement timeout.
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
}
