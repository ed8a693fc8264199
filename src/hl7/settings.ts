/**
 * The HL7 listener's settings (MLLP_PORT comes from the platform config). A bad value stops the
 * start with one line naming the variable. TLS is on when both MLLP_TLS_CERT and MLLP_TLS_KEY name
 * PEM files; one without the other is an error rather than a silent plain-text listener.
 */
import { readFileSync } from 'node:fs';
import { bindAddress, ConfigError, type Env, integer, text } from '../platform/config/config.js';

export interface Hl7Settings {
  port: number;
  host: string;
  tls: { cert: Buffer; key: Buffer } | undefined;
  maxMessageBytes: number;
  maxConnectionBytes: number;
  maxConnections: number;
  idleTimeoutMs: number;
}

function pemFile(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(name, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export function readHl7Settings(env: Env, port: number): Hl7Settings {
  const certFile = text(env, 'MLLP_TLS_CERT');
  const keyFile = text(env, 'MLLP_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile ? 'MLLP_TLS_KEY' : 'MLLP_TLS_CERT',
      'MLLP_TLS_CERT and MLLP_TLS_KEY are set together',
    );
  }
  const maxMessageBytes = integer(env, 'MLLP_MAX_MESSAGE_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const maxConnectionBytes = integer(
    env,
    'MLLP_MAX_CONNECTION_BYTES',
    4 * maxMessageBytes,
    maxMessageBytes,
    256 * 1024 * 1024,
  );
  return {
    port,
    host: bindAddress(env, 'MLLP_HOST', '0.0.0.0'),
    tls:
      certFile && keyFile
        ? { cert: pemFile('MLLP_TLS_CERT', certFile), key: pemFile('MLLP_TLS_KEY', keyFile) }
        : undefined,
    maxMessageBytes,
    maxConnectionBytes,
    maxConnections: integer(env, 'MLLP_MAX_CONNECTIONS', 100, 1, 10_000),
    idleTimeoutMs: integer(env, 'MLLP_IDLE_TIMEOUT_S', 300, 1, 86_400) * 1000,
  };
}
