/**
 * What the ePMS receives (docs/api.md §8) and how its answers are read, as pure functions.
 *
 * Body: `{"id","type","prescriptionId","occurredAt","resource"}` from the outbox event, in that
 * order, nothing else. Answers: 2xx delivered; 5xx, 429 and anything else that is not a 4xx
 * (a redirect means EPMS_URL is wrong, which an operator fixes) are retried; other 4xx mean this
 * event can never be accepted as it is, so it is dead-lettered for a person to look at.
 */
import type { DomainEvent } from '../platform/outbox/outbox.js';

export const FEED_EVENT_TYPES = [
  'prescription-order',
  'prescription-cancel',
  'dispense-notification',
  'dispense-withdraw',
  'claim',
] as const;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];

export interface WireEvent {
  id: string;
  type: FeedEventType;
  prescriptionId: string;
  occurredAt: string;
  resource: Record<string, unknown>;
}

/** An event that cannot be turned into a feed message; retrying cannot change that. */
export class UnsendableEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsendableEvent';
  }
}

interface FeedPayload {
  prescriptionId?: unknown;
  resource?: unknown;
  issue?: unknown;
}

/**
 * Which issue of a repeat-dispensing (eRD) prescription an event is about, as the release names
 * it on its Bundles (docs/api.md §7). The body has no field for it, and the ePMS pays a claim per
 * issue: without it issue 1's claim and issue 2's look alike. So it goes in the resource's
 * `meta`, outside anything signed; events of single-issue prescriptions have no issue and are
 * sent exactly as before.
 */
export const PRESCRIPTION_ISSUE_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/prescription-issue';

function withIssue(resource: Record<string, unknown>, issue: unknown): Record<string, unknown> {
  if (typeof issue !== 'number' || !Number.isInteger(issue) || issue < 1) return resource;
  const meta = (typeof resource.meta === 'object' && resource.meta !== null ? resource.meta : {}) as {
    extension?: Array<{ url?: unknown }>;
  };
  const others = Array.isArray(meta.extension)
    ? meta.extension.filter((extension) => extension?.url !== PRESCRIPTION_ISSUE_EXTENSION)
    : [];
  return {
    ...resource,
    meta: {
      ...meta,
      extension: [
        ...others,
        { url: PRESCRIPTION_ISSUE_EXTENSION, extension: [{ url: 'issueNumber', valueUnsignedInt: issue }] },
      ],
    },
  };
}

export function toWireEvent(event: DomainEvent): WireEvent {
  if (!(FEED_EVENT_TYPES as readonly string[]).includes(event.type)) {
    throw new UnsendableEvent(`event type ${event.type} is not sent to the ePMS`);
  }
  const payload = (event.payload ?? {}) as FeedPayload;
  const prescriptionId = payload.prescriptionId ?? event.key;
  if (typeof prescriptionId !== 'string' || prescriptionId === '') {
    throw new UnsendableEvent('payload.prescriptionId must be a non-empty string');
  }
  if (prescriptionId !== event.key) {
    throw new UnsendableEvent('payload.prescriptionId differs from the event key (the prescription)');
  }
  const resource = payload.resource;
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    throw new UnsendableEvent('payload.resource must be a FHIR resource (a JSON object)');
  }
  if (typeof (resource as { resourceType?: unknown }).resourceType !== 'string') {
    throw new UnsendableEvent('payload.resource has no resourceType');
  }
  return {
    id: event.id,
    type: event.type as FeedEventType,
    prescriptionId,
    occurredAt: event.occurredAt,
    resource: withIssue(resource as Record<string, unknown>, payload.issue),
  };
}

/** The exact bytes sent (key order is part of the format). */
export function serialiseWireEvent(event: WireEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    prescriptionId: event.prescriptionId,
    occurredAt: event.occurredAt,
    resource: event.resource,
  });
}

export type Verdict = 'delivered' | 'retry' | 'dead-letter';

export function verdictOf(status: number): Verdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 400 && status < 500 && status !== 429) return 'dead-letter';
  return 'retry';
}

/** The metrics label of a failed attempt's HTTP answer. */
export function failureReasonOf(status: number): 'http_5xx' | 'http_429' | 'http_4xx' | 'http_other' {
  if (status >= 500 && status < 600) return 'http_5xx';
  if (status === 429) return 'http_429';
  if (status >= 400 && status < 500) return 'http_4xx';
  return 'http_other';
}

const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * A one-line description of a refusal for the delivery record and the logs. Only the status and
 * an error *code* the ePMS may give (`{"error": "INVALID_SIGNATURE"}`, `{"code": …}`) are kept:
 * free text from the other side could echo the prescription back, and these lines are logged.
 */
export function describeAnswer(status: number, body: string): string {
  let code: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; code?: unknown };
    const candidate = typeof parsed.error === 'string' ? parsed.error : parsed.code;
    if (typeof candidate === 'string' && ERROR_CODE.test(candidate)) code = candidate;
  } catch {
    // Not JSON: the status alone says enough.
  }
  const hint = status >= 300 && status < 400 ? ' (redirects are not followed: check EPMS_URL)' : '';
  return `ePMS answered ${status}${code ? ` ${code}` : ''}${hint}`;
}
