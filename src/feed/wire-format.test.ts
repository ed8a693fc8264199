import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../platform/outbox/outbox.js';
import {
  describeAnswer,
  FEED_EVENT_TYPES,
  failureReasonOf,
  serialiseWireEvent,
  toWireEvent,
  UnsendableEvent,
  verdictOf,
} from './wire-format.js';

const claim = { resourceType: 'Claim', id: 'c1', patient: { reference: 'Patient/p1' } };

function event(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id: '5d0c8f3e-9a7b-4c1d-8e2f-3a4b5c6d7e8f',
    type: 'claim',
    key: 'A7B86F-C81007-00001Q',
    occurredAt: '2026-03-01T10:00:00.000Z',
    payload: {
      prescriptionId: 'A7B86F-C81007-00001Q',
      patient: 'Patient/p1',
      pharmacy: 'FA565',
      resource: claim,
    },
    ...overrides,
  };
}

describe('the ePMS wire format', () => {
  it("names a repeat-dispensing issue in the resource's meta, and leaves single-issue events as they were", () => {
    const issued = toWireEvent(
      event({ payload: { prescriptionId: 'A7B86F-C81007-00001Q', issue: 2, resource: claim } }),
    );
    expect(issued.resource).toEqual({
      ...claim,
      meta: {
        extension: [
          {
            url: 'https://fhir.pathways.dev/StructureDefinition/prescription-issue',
            extension: [{ url: 'issueNumber', valueUnsignedInt: 2 }],
          },
        ],
      },
    });
    // A resource that names an issue already (the claimant's own extension) names this one once.
    const named = {
      ...claim,
      meta: {
        versionId: '1',
        extension: [
          { url: 'https://fhir.pathways.dev/StructureDefinition/prescription-issue', extension: [] },
          { url: 'https://example.org/other', valueString: 'kept' },
        ],
      },
    };
    const again = toWireEvent(
      event({ payload: { prescriptionId: 'A7B86F-C81007-00001Q', issue: 3, resource: named } }),
    ).resource as { meta: { versionId: string; extension: Array<{ url: string }> } };
    expect(again.meta.versionId).toBe('1');
    expect(again.meta.extension.map((extension) => extension.url)).toEqual([
      'https://example.org/other',
      'https://fhir.pathways.dev/StructureDefinition/prescription-issue',
    ]);
    for (const issue of [undefined, 0, 1.5, '2', null]) {
      const plain = toWireEvent(
        event({ payload: { prescriptionId: 'A7B86F-C81007-00001Q', issue, resource: claim } }),
      );
      expect(plain.resource).toEqual(claim);
    }
  });

  it('is exactly id, type, prescriptionId, occurredAt and resource, in that order', () => {
    const body = serialiseWireEvent(toWireEvent(event()));
    expect(body).toBe(
      '{"id":"5d0c8f3e-9a7b-4c1d-8e2f-3a4b5c6d7e8f","type":"claim","prescriptionId":"A7B86F-C81007-00001Q",' +
        '"occurredAt":"2026-03-01T10:00:00.000Z","resource":{"resourceType":"Claim","id":"c1","patient":{"reference":"Patient/p1"}}}',
    );
    // Payload extras (patient, pharmacy, status) stay out.
    expect(Object.keys(JSON.parse(body))).toEqual(['id', 'type', 'prescriptionId', 'occurredAt', 'resource']);
  });

  it('covers the five feed event types and no others', () => {
    expect(FEED_EVENT_TYPES).toEqual([
      'prescription-order',
      'prescription-cancel',
      'dispense-notification',
      'dispense-withdraw',
      'claim',
    ]);
    for (const type of FEED_EVENT_TYPES) expect(toWireEvent(event({ type })).type).toBe(type);
    expect(() => toWireEvent(event({ type: 'prescription-released' }))).toThrow(UnsendableEvent);
  });

  it('takes the prescription from the key when the payload has none', () => {
    expect(toWireEvent(event({ payload: { resource: claim } })).prescriptionId).toBe('A7B86F-C81007-00001Q');
  });

  it('refuses events it cannot send: no resource, not a resource, prescription differing from the key', () => {
    const bad: unknown[] = [
      { prescriptionId: 'A7B86F-C81007-00001Q' },
      { prescriptionId: 'A7B86F-C81007-00001Q', resource: 'Claim' },
      { prescriptionId: 'A7B86F-C81007-00001Q', resource: [claim] },
      { prescriptionId: 'A7B86F-C81007-00001Q', resource: { id: 'no-type' } },
      { prescriptionId: 'OTHER-PRESCRIPTION', resource: claim },
      { prescriptionId: 42, resource: claim },
      null,
    ];
    for (const payload of bad) expect(() => toWireEvent(event({ payload }))).toThrow(UnsendableEvent);
  });
});

describe('reading the ePMS answer', () => {
  it('delivers on 2xx, retries 5xx, 429 and non-4xx answers, dead-letters other 4xx', () => {
    expect([200, 201, 202, 204, 299].map(verdictOf)).toEqual(Array(5).fill('delivered'));
    expect([500, 502, 503, 504, 429, 301, 302, 100].map(verdictOf)).toEqual(Array(8).fill('retry'));
    expect([400, 401, 403, 404, 409, 413, 422].map(verdictOf)).toEqual(Array(7).fill('dead-letter'));
  });

  it('labels failures for metrics', () => {
    expect([503, 429, 400, 302].map(failureReasonOf)).toEqual([
      'http_5xx',
      'http_429',
      'http_4xx',
      'http_other',
    ]);
  });

  it('describes an answer by status and error code only, never free text', () => {
    expect(describeAnswer(400, '{"error":"INVALID_SIGNATURE","detail":"Patient Jane Doe"}')).toBe(
      'ePMS answered 400 INVALID_SIGNATURE',
    );
    expect(describeAnswer(422, '{"code":"UNKNOWN_PRESCRIPTION"}')).toBe(
      'ePMS answered 422 UNKNOWN_PRESCRIPTION',
    );
    expect(describeAnswer(400, '{"error":"Jane Doe, 1 High Street"}')).toBe('ePMS answered 400');
    expect(describeAnswer(503, '<html>down</html>')).toBe('ePMS answered 503');
    expect(describeAnswer(301, '')).toBe('ePMS answered 301 (redirects are not followed: check EPMS_URL)');
  });
});
