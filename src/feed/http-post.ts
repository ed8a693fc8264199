/**
 * One HTTP POST over node:http(s) with keep-alive, for the feed. Not fetch(): fetch refuses a list
 * of "bad ports" (e.g. 6000, 6665–6669) an ePMS could well listen on, and node:http gives the
 * plain socket error codes (ECONNREFUSED, ECONNRESET) the metrics label failures by.
 */
import http from 'node:http';
import https from 'node:https';

export interface PostAnswer {
  status: number;
  /** At most MAX_BODY_BYTES of the answer, as text (only error codes are read from it). */
  body: string;
}

const MAX_BODY_BYTES = 4096;

export class HttpPoster {
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(maxSockets: number) {
    this.#http = new http.Agent({ keepAlive: true, maxSockets });
    this.#https = new https.Agent({ keepAlive: true, maxSockets });
  }

  /** Resolves with any HTTP answer; rejects on a network failure or when `signal` aborts. */
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const agent = target.protocol === 'https:' ? this.#https : this.#http;
    const content = Buffer.from(body, 'utf8');
    return new Promise((resolve, reject) => {
      const request = client.request(
        target,
        {
          method: 'POST',
          agent,
          signal,
          headers: { ...headers, 'Content-Length': String(content.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (size < MAX_BODY_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(content);
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

/** The metrics label of a network failure. */
export function networkFailureReason(error: unknown, signal: AbortSignal): 'timeout' | 'refused' | 'network' {
  if (signal.aborted) return 'timeout';
  return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'refused' : 'network';
}

/** A short, non-personal description of a network failure. */
export function describeNetworkFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'ePMS did not answer in time';
  const code = (error as NodeJS.ErrnoException).code;
  return `ePMS unreachable: ${code ?? (error as Error).message}`;
}
