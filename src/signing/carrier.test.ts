import { beforeAll, describe, expect, it } from 'vitest';
import { copy, makeSigner, unsignedOrder } from '../../test/support/signing/material.js';
import {
  attachSignature,
  medicationRequestUrls,
  readSignature,
  requesterReference,
  signatureProvenance,
} from './carrier.js';
import { SignatureError, SigningError } from './errors.js';

const REQUESTER = 'urn:uuid:56166769-c1c4-4d07-afa8-132b5dfca666';
const SIG_T = '2024-05-01T09:30:00Z';
// Shape only: attachSignature checks the header strictly but does not verify the signature.
let HEADER: string;
beforeAll(async () => {
  const signer = await makeSigner('ES256');
  const x5c = [Buffer.from(signer.certificateDer).toString('base64')];
  HEADER = Buffer.from(JSON.stringify({ alg: 'ES256', x5c, sigT: SIG_T, crit: ['sigT'] })).toString(
    'base64url',
  );
});

describe('the signature carrier', () => {
  it('finds the requester and the MedicationRequests of the EPS order', () => {
    const order = unsignedOrder();
    expect(requesterReference(order)).toBe(REQUESTER);
    expect(medicationRequestUrls(order)).toHaveLength(4);
    expect(medicationRequestUrls(order)[0]).toBe('urn:uuid:a54219b8-f741-4c47-b662-e4f8dfa49ab6');
  });

  it('round-trips a JWS through signatureProvenance and readSignature', () => {
    const order = unsignedOrder();
    const entry = signatureProvenance({ jws: 'h..s', sigT: SIG_T, who: REQUESTER, targets: ['urn:uuid:x'] });
    order.entry.push(entry);
    expect(readSignature(order)).toEqual({
      provenance: entry.resource,
      entryIndex: order.entry.length - 1,
      jws: 'h..s',
      when: SIG_T,
      who: REQUESTER,
      sigFormat: 'application/jose',
    });
  });

  it('reads nothing from a Bundle without a signature Provenance', () => {
    expect(readSignature(unsignedOrder())).toBeUndefined();
    expect(readSignature({ resourceType: 'Bundle', entry: [null, 1, { resource: 'x' }] })).toBeUndefined();
    expect(readSignature(undefined)).toBeUndefined();
  });

  it('names the element at fault when the carrier is malformed', () => {
    const order = unsignedOrder();
    const entry = signatureProvenance({ jws: 'h..s', sigT: SIG_T, who: REQUESTER, targets: [] });
    entry.resource.signature[0]!.data = 'not base64';
    order.entry.push(entry);
    const index = order.entry.length - 1;
    expect(() => readSignature(order)).toThrow(SignatureError);
    try {
      readSignature(order);
    } catch (error) {
      expect(error).toMatchObject({
        code: 'INVALID_SIGNATURE',
        expression: `Bundle.entry[${index}].resource.signature[0].data`,
      });
    }
  });

  it('attaches a JWS with who and targets from the Bundle, leaving the input alone', () => {
    const order = unsignedOrder();
    const before = JSON.stringify(order);
    const signed = attachSignature(order, `${HEADER}..c2ln`);
    expect(JSON.stringify(order)).toBe(before);
    const carrier = readSignature(signed)!;
    expect(carrier).toMatchObject({
      jws: `${HEADER}..c2ln`,
      when: SIG_T,
      who: REQUESTER,
      entryIndex: order.entry.length,
    });
    expect(carrier.provenance.target).toHaveLength(4);
    expect(carrier.provenance.recorded).toBe(SIG_T);
  });

  it('refuses to attach without a signer or without MedicationRequests', () => {
    const noRequester = copy(unsignedOrder());
    for (const entry of noRequester.entry) delete entry.resource.requester;
    expect(() => attachSignature(noRequester, `${HEADER}..c2ln`)).toThrow(SigningError);
    expect(attachSignature(noRequester, `${HEADER}..c2ln`, { who: REQUESTER })).toBeDefined();
    const noItems = { resourceType: 'Bundle' as const, entry: [] };
    expect(() => attachSignature(noItems, `${HEADER}..c2ln`, { who: REQUESTER })).toThrow(
      /no MedicationRequest/,
    );
  });
});
