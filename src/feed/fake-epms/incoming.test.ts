import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_KEY_ECC_P256_PRIVATE,
  TEST_KEY_ECC_P256_PUBLIC,
} from '../../../test/support/feed/rfc-examples.js';
import { contentDigest } from '../content-digest.js';
import { keyIdOf } from '../feed-key.js';
import { type FeedRequest, signFeedRequest } from '../signing.js';
import { serialiseWireEvent } from '../wire-format.js';
import {
  checkFeedRequest,
  type IncomingRequest,
  parseWireEvent,
  prescriptionOf,
  type TrustedKey,
} from './incoming.js';

const url = 'http://127.0.0.1:4010/events';
const event = {
  id: '7f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  type: 'dispense-notification' as const,
  prescriptionId: 'A7B86F-C81007-00001Q',
  occurredAt: '2026-03-01T10:00:00.000Z',
  resource: { resourceType: 'Bundle', type: 'message' },
};
const body = serialiseWireEvent(event);

describe('what the fake ePMS accepts', () => {
  let trusted: TrustedKey;
  let signed: FeedRequest;
  const incoming = (
    changes: Partial<IncomingRequest> = {},
    headers: Record<string, string> = {},
  ): IncomingRequest => ({
    method: 'POST',
    url,
    body: Buffer.from(body),
    ...changes,
    headers: { ...lower(signed.headers), ...headers },
  });

  beforeAll(async () => {
    const publicKey = createPublicKey(TEST_KEY_ECC_P256_PUBLIC);
    trusted = { keyid: await keyIdOf(publicKey), publicKey };
    signed = await signFeedRequest(url, body, event.id, {
      keyid: trusted.keyid,
      privateKey: createPrivateKey(TEST_KEY_ECC_P256_PRIVATE),
    });
  });

  it('a request signed and digested as the feed does', async () => {
    expect(await checkFeedRequest(incoming(), trusted)).toEqual({
      ok: true,
      event,
      idempotencyKey: event.id,
    });
  });

  it('refuses another content type, a wrong digest, a wrong signature or key, a wrong Idempotency-Key', async () => {
    const refusal = async (request: IncomingRequest, against = trusted) => {
      const checked = await checkFeedRequest(request, against);
      return checked.ok ? 'accepted' : checked.error;
    };
    expect(await refusal(incoming({}, { 'content-type': 'text/plain' }))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await refusal(incoming({ body: Buffer.from(`${body} `) }))).toBe('INVALID_DIGEST');
    expect(await refusal(incoming({}, { 'content-digest': 'sha-512=:AAAA:' }))).toBe('INVALID_DIGEST');
    expect(await refusal(incoming({ url: 'http://127.0.0.1:4010/other' }))).toBe('INVALID_SIGNATURE');
    expect(await refusal(incoming({}, { signature: 'sig1=:AAAA:' }))).toBe('INVALID_SIGNATURE');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(await refusal(incoming(), { keyid: trusted.keyid, publicKey: stranger })).toBe(
      'INVALID_SIGNATURE',
    );
    expect(await refusal(incoming(), { keyid: 'rotated-key', publicKey: stranger })).toBe('UNKNOWN_KEY');
    expect(await refusal(incoming({}, { 'idempotency-key': 'something-else' }))).toBe(
      'IDEMPOTENCY_KEY_MISMATCH',
    );
    // Signed and digested correctly, but not an event.
    const notAnEvent = '{"id":"x"}';
    const resigned = await signFeedRequest(url, notAnEvent, 'x', {
      keyid: trusted.keyid,
      privateKey: createPrivateKey(TEST_KEY_ECC_P256_PRIVATE),
    });
    expect(
      await refusal({ method: 'POST', url, body: Buffer.from(notAnEvent), headers: lower(resigned.headers) }),
    ).toBe('INVALID_BODY');
    expect(resigned.headers['Content-Digest']).toBe(contentDigest(notAnEvent));
  });

  it('parses exactly the five-member wire event', () => {
    expect(parseWireEvent(body)).toEqual(event);
    expect(parseWireEvent('nope')).toBe('the body is not JSON');
    expect(parseWireEvent('[]')).toBe('the body is not an object');
    expect(parseWireEvent(JSON.stringify({ ...event, extra: 1 }))).toMatch(/exactly/);
    expect(parseWireEvent(JSON.stringify({ ...event, id: 'not-a-uuid' }))).toMatch(/UUID/);
    expect(parseWireEvent(JSON.stringify({ ...event, type: 'prescription-released' }))).toMatch(/type/);
    expect(parseWireEvent(JSON.stringify({ ...event, occurredAt: 'yesterday' }))).toMatch(/RFC 3339/);
    expect(parseWireEvent(JSON.stringify({ ...event, resource: { id: 'x' } }))).toMatch(/FHIR resource/);
  });

  it('finds the prescription of a body before checking it', () => {
    expect(prescriptionOf(Buffer.from(body))).toBe(event.prescriptionId);
    expect(prescriptionOf(Buffer.from('garbage'))).toBeUndefined();
  });
});

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
