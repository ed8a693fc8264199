import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { copy, reverseKeys, unsignedOrder } from '../../test/support/signing/material.js';
import { fromUtf8 } from './encoding.js';
import { SigningError } from './errors.js';
import { payloadDigest, signingPayload } from './payload.js';
import type { SignableBundle } from './scheme.js';

// A tiny Bundle written with odd key order, whitespace, and numbers and strings in spellings that
// RFC 8785 rewrites. `contained` holds keys that sort differently by UTF-16 code unit (what JCS
// uses) than by code point: U+1F600 (a surrogate pair, D83D DE00) comes before U+FF01.
const TINY_BUNDLE = String.raw`{
  "type": "message",
  "timestamp": "2024-05-01T09:30:00Z",
  "resourceType": "Bundle",
  "meta": { "lastUpdated": "2024-05-01T09:30:01Z" },
  "identifier": { "value": "b1", "system": "https://tools.ietf.org/html/rfc4122" },
  "id": "transport-id",
  "entry": [
    { "resource": { "resourceType": "MessageHeader", "eventCoding": { "code": "prescription-order" } },
      "fullUrl": "urn:uuid:1" },
    {
      "resource": {
        "resourceType": "MedicationRequest",
        "status": "active",
        "dosageInstruction": [ { "text": "Take 1\u00bd tablets \"with food\"\n<b>\u000f\/" } ],
        "dispenseRequest": { "quantity": { "value": 20.50, "unit": "tablet" }, "numberOfRepeatsAllowed": 1E1 },
        "extension": [
          { "valueDecimal": 1e21, "url": "u1" },
          { "url": "u2", "valueDecimal": 0.000001 },
          { "url": "u3", "valueDecimal": 1e-7 },
          { "url": "u4", "valueDecimal": -0 },
          { "url": "u5", "valueDecimal": 123456789012345678901 }
        ],
        "contained": [ { "resourceType": "Basic", "\uff01": 1, "\ud83d\ude00": 2, "\u00f6": 3, "\u20ac": 4, "1": 5 } ],
        "note": [ { "text": "\u20ac" } ]
      },
      "fullUrl": "urn:uuid:2"
    },
    { "fullUrl": "urn:uuid:3",
      "resource": { "resourceType": "Provenance", "signature": [ {
        "type": [ { "code": "1.2.840.10065.1.12.1.1", "system": "urn:iso-astm:E1762-95:2013" } ], "data": "eA==" } ] } }
  ],
  "signature": { "data": "b2xk" }
}`;

const TINY_PAYLOAD = String.raw`{"entry":[{"fullUrl":"urn:uuid:2","resource":{"contained":[{"1":5,"resourceType":"Basic","ö":3,"€":4,"😀":2,"！":1}],"dispenseRequest":{"numberOfRepeatsAllowed":10,"quantity":{"unit":"tablet","value":20.5}},"dosageInstruction":[{"text":"Take 1½ tablets \"with food\"\n<b>\u000f/"}],"extension":[{"url":"u1","valueDecimal":1e+21},{"url":"u2","valueDecimal":0.000001},{"url":"u3","valueDecimal":1e-7},{"url":"u4","valueDecimal":0},{"url":"u5","valueDecimal":123456789012345680000}],"note":[{"text":"€"}],"resourceType":"MedicationRequest","status":"active"}}],"identifier":{"system":"https://tools.ietf.org/html/rfc4122","value":"b1"},"resourceType":"Bundle","type":"message"}`;

// sha256 of TINY_PAYLOAD's UTF-8 bytes, computed with `openssl dgst -sha256 -binary | base64`.
const TINY_DIGEST = 'CDl26PONzeKG0AA7Vd/2yxCddxypQ9b02fFkJbfZAOc=';

// The worked example in README.md, kept true here.
const README_BUNDLE = {
  resourceType: 'Bundle',
  id: 'b7f1c1e2-0001',
  meta: { lastUpdated: '2024-05-01T09:30:00Z' },
  identifier: {
    system: 'https://tools.ietf.org/html/rfc4122',
    value: '46183abc-9fad-4673-85db-ce2cb6614732',
  },
  type: 'message',
  timestamp: '2024-05-01T09:30:00Z',
  entry: [
    {
      fullUrl: 'urn:uuid:17773b27-427e-4940-8c16-64cdac715001',
      resource: {
        resourceType: 'MessageHeader',
        eventCoding: { system: 'https://fhir.nhs.uk/CodeSystem/message-event', code: 'prescription-order' },
      },
    },
    {
      fullUrl: 'urn:uuid:a54219b8-f741-4c47-b662-e4f8dfa49ab6',
      resource: {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        requester: { reference: 'urn:uuid:56166769-c1c4-4d07-afa8-132b5dfca666' },
        dispenseRequest: { quantity: { value: 20.0, unit: 'tablet' } },
      },
    },
  ],
} as const;
const README_PAYLOAD =
  '{"entry":[{"fullUrl":"urn:uuid:a54219b8-f741-4c47-b662-e4f8dfa49ab6","resource":{"dispenseRequest":{"quantity":{"unit":"tablet","value":20}},"intent":"order","requester":{"reference":"urn:uuid:56166769-c1c4-4d07-afa8-132b5dfca666"},"resourceType":"MedicationRequest","status":"active"}}],"identifier":{"system":"https://tools.ietf.org/html/rfc4122","value":"46183abc-9fad-4673-85db-ce2cb6614732"},"resourceType":"Bundle","type":"message"}';
const README_DIGEST = 'KMegEHMbR5LiM8B54av3pvnppD4hVQIjPJx1oJBq2Cw=';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function payloadText(bundle: SignableBundle): string {
  return fromUtf8(signingPayload(bundle))!;
}

describe('signing payload', () => {
  it('is the RFC 8785 form of the Bundle without what the scheme leaves out (known answer)', () => {
    const bundle = JSON.parse(TINY_BUNDLE) as SignableBundle;
    expect(payloadText(bundle)).toBe(TINY_PAYLOAD);
    expect(Buffer.from(signingPayload(bundle))).toEqual(Buffer.from(TINY_PAYLOAD, 'utf8'));
  });

  it('has a base64 SHA-256 digest (known answer)', () => {
    const bundle = JSON.parse(TINY_BUNDLE) as SignableBundle;
    expect(payloadDigest(bundle)).toBe(TINY_DIGEST);
    expect(payloadDigest(bundle)).toBe(createHash('sha256').update(TINY_PAYLOAD, 'utf8').digest('base64'));
  });

  it('matches the worked example in README.md', () => {
    expect(payloadText(README_BUNDLE)).toBe(README_PAYLOAD);
    expect(payloadDigest(README_BUNDLE)).toBe(README_DIGEST);
  });

  it('does not change the Bundle it is given', () => {
    const bundle = JSON.parse(TINY_BUNDLE) as SignableBundle;
    const before = JSON.stringify(bundle);
    expect(payloadText(deepFreeze(bundle))).toBe(TINY_PAYLOAD);
    expect(JSON.stringify(bundle)).toBe(before);
  });

  it('is the same whatever the key order and whitespace of the JSON', () => {
    const order = unsignedOrder();
    const reordered = JSON.parse(JSON.stringify(reverseKeys(order), null, 3)) as SignableBundle;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(order));
    expect(payloadText(reordered)).toBe(payloadText(order));
  });

  it('leaves out id, meta, timestamp, signature, the MessageHeader and the signature Provenance only', () => {
    const order = unsignedOrder();
    const base = payloadText(order);
    const transported = copy(order);
    Object.assign(transported, {
      id: 'another',
      meta: { lastUpdated: '2030-01-01T00:00:00Z' },
      timestamp: '2030-01-01T00:00:00Z',
      signature: { data: 'eA==' },
    });
    transported.entry.splice(0, 1);
    expect(payloadText(transported)).toBe(base);

    const withOtherProvenance = copy(order);
    withOtherProvenance.entry.push({
      fullUrl: 'urn:uuid:other',
      resource: { resourceType: 'Provenance', signature: [{ type: [{ system: 'other', code: 'x' }] }] },
    });
    expect(payloadText(withOtherProvenance)).not.toBe(base);
    expect(payloadText(withOtherProvenance)).toContain('"system":"other"');
  });

  it('keeps entry order, so moving an entry changes it', () => {
    const order = unsignedOrder();
    const moved = copy(order);
    moved.entry.reverse();
    expect(payloadText(moved)).not.toBe(payloadText(order));
  });

  it('refuses what is not a Bundle, or has no canonical form', () => {
    expect(() => signingPayload({ resourceType: 'Patient' } as unknown as SignableBundle)).toThrow(
      SigningError,
    );
    expect(() => signingPayload(null as unknown as SignableBundle)).toThrow(/not a FHIR Bundle/);
    const loneSurrogate = JSON.parse(
      '{"resourceType":"Bundle","entry":[{"fullUrl":"\\ud800"}]}',
    ) as SignableBundle;
    expect(() => signingPayload(loneSurrogate)).toThrow(/canonical/);
  });
});
