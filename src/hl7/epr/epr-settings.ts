/**
 * Where and how the portal's changes go back to the hospital's EPR. EPR_MLLP_URL
 * (`mllp://host:port`, unset = off) names the EPR's MLLP listener; the rest bound the retries
 * (the outbox's back-off) and the circuit breaker in front of the connection.
 */
import { ConfigError, type Env, integer, text } from '../../platform/config/config.js';
import type { RetryPolicy } from '../../platform/jobs/backoff.js';

export interface EprSettings {
  host: string;
  port: number;
  /** A connect or an ACK not received within this long fails the attempt. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Consecutive failed attempts that open the breaker, and how long it stays open. */
  breakerFailures: number;
  breakerOpenMs: number;
}

export function readEprSettings(env: Env): EprSettings | undefined {
  const raw = text(env, 'EPR_MLLP_URL');
  if (raw === undefined) return undefined;
  const match = /^mllp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError('EPR_MLLP_URL', `must be mllp://host:port, got "${raw}"`);
  }
  const baseMs = integer(env, 'EPR_RETRY_BASE_MS', 2_000, 1, 60_000);
  const maxMs = integer(env, 'EPR_RETRY_MAX_MS', 300_000, 1, 3_600_000);
  if (maxMs < baseMs)
    throw new ConfigError('EPR_RETRY_MAX_MS', `must be at least EPR_RETRY_BASE_MS (${baseMs})`);
  return {
    host: match[1]!.replace(/^\[|\]$/g, ''),
    port,
    timeoutMs: integer(env, 'EPR_TIMEOUT_MS', 10_000, 50, 600_000),
    retry: { baseDelayS: baseMs / 1000, maxDelayS: maxMs / 1000 },
    breakerFailures: integer(env, 'EPR_BREAKER_FAILURES', 5, 1, 1_000),
    breakerOpenMs: integer(env, 'EPR_BREAKER_OPEN_MS', 30_000, 10, 3_600_000),
  };
}
