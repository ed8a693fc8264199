/** Plain node:http plumbing for the fake ePMS: headers, a bounded body, a JSON answer. */
import type http from 'node:http';
import type { Headers } from '../signing.js';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export function headersOf(request: http.IncomingMessage): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  return headers;
}

/** The body, or undefined when it is larger than MAX_BODY_BYTES. */
export function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function answer(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  then?: () => void,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text, then);
}
