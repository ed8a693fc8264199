/**
 * What the fake ePMS checks on every `POST /events`, in the order a careful receiver would:
 * JSON content type, Content-Digest over the bytes received (RFC 9530), the `sig1` signature
 * under the trusted feed key (RFC 9421), then the body's shape and that Idempotency-Key is the
 * event id. Any failure is a 400 with an error code; only a request passing all of them is booked.
 */
import type { KeyObject } from 'node:crypto';
import { verifyContentDigest } from '../content-digest.js';
import { type Headers, verifyFeedSignature } from '../signing.js';
import { FEED_EVENT_TYPES, type WireEvent } from '../wire-format.js';

export interface IncomingRequest {
  method: string;
  /** The full target URI, as the sender addressed it. */
  url: string;
  headers: Headers;
  body: Buffer;
}

export type Refusal =
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_DIGEST'
  | 'UNKNOWN_KEY'
  | 'INVALID_SIGNATURE'
  | 'INVALID_BODY'
  | 'IDEMPOTENCY_KEY_MISMATCH';

export type Checked =
  | { ok: true; event: WireEvent; idempotencyKey: string }
  | { ok: false; error: Refusal; reason: string };

export interface TrustedKey {
  keyid: string;
  publicKey: KeyObject;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WIRE_KEYS = ['id', 'type', 'prescriptionId', 'occurredAt', 'resource'];

export async function checkFeedRequest(request: IncomingRequest, trusted: TrustedKey): Promise<Checked> {
  const contentType = single(request.headers, 'content-type');
  if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/json') {
    return refuse('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
  }
  const digest = verifyContentDigest(single(request.headers, 'content-digest'), request.body);
  if (!digest.ok) return refuse('INVALID_DIGEST', digest.reason);
  const signature = await verifyFeedSignature(
    { method: request.method, url: request.url, headers: request.headers },
    trusted,
  );
  if (!signature.ok) {
    return refuse(
      signature.keyid && signature.keyid !== trusted.keyid ? 'UNKNOWN_KEY' : 'INVALID_SIGNATURE',
      signature.reason,
    );
  }
  const event = parseWireEvent(request.body);
  if (typeof event === 'string') return refuse('INVALID_BODY', event);
  const idempotencyKey = single(request.headers, 'idempotency-key');
  if (idempotencyKey !== event.id) {
    return refuse('IDEMPOTENCY_KEY_MISMATCH', 'Idempotency-Key must be the event id');
  }
  return { ok: true, event, idempotencyKey };
}

/** The event in a body, or why it is not one. */
export function parseWireEvent(body: Buffer | string): WireEvent | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString());
  } catch {
    return 'the body is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'the body is not an object';
  const event = parsed as Record<string, unknown>;
  const keys = Object.keys(event);
  if (keys.length !== WIRE_KEYS.length || !WIRE_KEYS.every((key) => keys.includes(key))) {
    return `the body must have exactly ${WIRE_KEYS.join(', ')}`;
  }
  if (typeof event.id !== 'string' || !UUID.test(event.id)) return 'id must be a UUID';
  if (!(FEED_EVENT_TYPES as readonly unknown[]).includes(event.type)) return 'type is not a feed event type';
  if (typeof event.prescriptionId !== 'string' || event.prescriptionId === '')
    return 'prescriptionId is missing';
  if (typeof event.occurredAt !== 'string' || Number.isNaN(Date.parse(event.occurredAt))) {
    return 'occurredAt must be an RFC 3339 time';
  }
  const resource = event.resource as { resourceType?: unknown } | null;
  if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') {
    return 'resource must be a FHIR resource';
  }
  return event as unknown as WireEvent;
}

/** The prescription a body is about, for per-prescription behaviour (before any checking). */
export function prescriptionOf(body: Buffer): string | undefined {
  try {
    const id = (JSON.parse(body.toString()) as { prescriptionId?: unknown }).prescriptionId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function single(headers: Headers, name: string): string | undefined {
  const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(', ') : value;
}

function refuse(error: Refusal, reason: string): Checked {
  return { ok: false, error, reason };
}
