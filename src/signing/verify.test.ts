import { beforeAll, describe, expect, it } from 'vitest';
import {
  carrying,
  copy,
  detachedJws,
  entryOf,
  expectInvalid,
  type Json,
  makeSigners,
  REQUESTER,
  refusal,
  reverseKeys,
  SIG_T,
  schemeHeader,
  type TestBundle,
  type TestSigner,
  unsignedOrder,
} from '../../test/support/signing/material.js';
import { readSignature } from './carrier.js';
import { isSignatureProvenance, type SignatureAlgorithm } from './scheme.js';
import { signPrescription } from './sign.js';
import { verifyBundleSignature } from './verify.js';

let signers: Record<SignatureAlgorithm, TestSigner>;
let signed: Record<SignatureAlgorithm, TestBundle>;

beforeAll(async () => {
  signers = await makeSigners();
  const sign = (alg: SignatureAlgorithm) =>
    signPrescription(unsignedOrder(), {
      privateKey: signers[alg].privateKey,
      certificate: signers[alg].certificatePem,
      alg,
      sigT: SIG_T,
    });
  signed = { ES256: await sign('ES256'), PS256: await sign('PS256'), RS256: await sign('RS256') };
});

function signatureProvenanceOf(bundle: TestBundle): Json {
  return bundle.entry.find((entry) => isSignatureProvenance(entry.resource));
}

function signatureOf(bundle: TestBundle): Json {
  return signatureProvenanceOf(bundle).resource.signature[0];
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

describe('verifyBundleSignature', () => {
  it('accepts a hand-made JWS of the scheme (the test helper signs correctly)', async () => {
    for (const alg of ['ES256', 'PS256', 'RS256'] as const) {
      const bundle = carrying(detachedJws(schemeHeader(signers[alg]), signers[alg]), SIG_T);
      await expect(verifyBundleSignature(bundle)).resolves.toMatchObject({ alg, who: REQUESTER });
    }
  });

  describe('after signing, a change to clinical content is refused (HAZ-TAMPER)', () => {
    const item = (b: TestBundle) => entryOf(b, 'MedicationRequest').resource;
    const tampering: [string, (bundle: TestBundle) => void][] = [
      [
        'a dose text',
        (b) => {
          item(b).dosageInstruction[0].text = '3 times a day for 10 days';
        },
      ],
      [
        'one character of a dose text',
        (b) => {
          item(b).dosageInstruction[0].text = '2 times a day for 11 days';
        },
      ],
      [
        'a quantity',
        (b) => {
          item(b).dispenseRequest.quantity.value = 200;
        },
      ],
      [
        'a quantity by a fraction',
        (b) => {
          item(b).dispenseRequest.quantity.value = 20.000001;
        },
      ],
      [
        'a number written as a string',
        (b) => {
          item(b).dispenseRequest.quantity.value = '20';
        },
      ],
      [
        'the patient\u2019s NHS number',
        (b) => {
          entryOf(b, 'Patient').resource.identifier[0].value = '9449304122';
        },
      ],
      [
        'the medicine',
        (b) => {
          item(b).medicationCodeableConcept.coding[0].code = '322236009';
        },
      ],
      [
        'the nominated pharmacy',
        (b) => {
          item(b).dispenseRequest.performer.identifier.value = 'FAKE1';
        },
      ],
      [
        'the Bundle identifier',
        (b) => {
          b.identifier.value = 'another';
        },
      ],
      [
        'an added element',
        (b) => {
          entryOf(b, 'Patient').resource.deceasedBoolean = true;
        },
      ],
      [
        'an added item',
        (b) => {
          b.entry.push(copy(entryOf(b, 'MedicationRequest')));
        },
      ],
      [
        'a removed item',
        (b) => {
          b.entry.splice(1, 1);
        },
      ],
      [
        'the entry order',
        (b) => {
          b.entry.splice(1, 2, b.entry[2], b.entry[1]);
        },
      ],
    ];
    it.each(tampering)('%s', async (_what, tamper) => {
      for (const alg of ['ES256', 'PS256', 'RS256'] as const) {
        const bundle = copy(signed[alg]);
        tamper(bundle);
        const error = await expectInvalid(bundle, /does not verify over this Bundle/);
        expect(error.expression).toMatch(/^Bundle\.entry\[\d+\]\.resource\.signature\[0\]\.data$/);
      }
    });
  });

  describe('changes to what the scheme leaves out still verify', () => {
    const transport: [string, (bundle: TestBundle) => void][] = [
      [
        'Bundle.id',
        (b) => {
          b.id = 'relayed-1';
        },
      ],
      [
        'Bundle.meta',
        (b) => {
          b.meta = { lastUpdated: '2024-05-01T09:31:00Z', versionId: '7' };
        },
      ],
      [
        'Bundle.timestamp',
        (b) => {
          b.timestamp = '2024-05-01T09:31:00Z';
        },
      ],
      [
        'Bundle.signature',
        (b) => {
          b.signature = { data: 'eA==' };
        },
      ],
      [
        'the MessageHeader',
        (b) => {
          entryOf(b, 'MessageHeader').resource.destination[0].endpoint = 'https://relay.example';
        },
      ],
      [
        'the MessageHeader removed',
        (b) => {
          b.entry.splice(0, 1);
        },
      ],
      [
        'the Provenance\u2019s position',
        (b) => {
          b.entry.unshift(b.entry.pop());
        },
      ],
    ];
    it.each(transport)('%s', async (_what, change) => {
      const bundle = copy(signed.ES256);
      change(bundle);
      await expect(verifyBundleSignature(bundle)).resolves.toMatchObject({ alg: 'ES256' });
    });

    it('other key order and whitespace in the JSON (canonical payload)', async () => {
      for (const alg of ['ES256', 'PS256', 'RS256'] as const) {
        const text = JSON.stringify(reverseKeys(signed[alg]), null, '\t');
        expect(text).not.toBe(JSON.stringify(signed[alg], null, '\t'));
        await expect(verifyBundleSignature(JSON.parse(text))).resolves.toMatchObject({ alg });
      }
    });
  });

  describe('the carrier', () => {
    it('no signature Provenance is MISSING_DIGITAL_SIGNATURE', async () => {
      const error = await refusal(unsignedOrder());
      expect(error.code).toBe('MISSING_DIGITAL_SIGNATURE');
      expect(error.message).toMatch(/no Provenance with a prescription signature/);
      const otherProvenance = unsignedOrder();
      otherProvenance.entry.push({
        resource: { resourceType: 'Provenance', signature: [{ type: [{ code: 'x' }] }] },
      });
      expect((await refusal(otherProvenance)).code).toBe('MISSING_DIGITAL_SIGNATURE');
      expect((await refusal({ resourceType: 'Bundle' })).code).toBe('MISSING_DIGITAL_SIGNATURE');
    });

    it('something that is not a Bundle is INVALID_SIGNATURE', async () => {
      for (const input of [null, 'text', [], { resourceType: 'Patient' }])
        await expectInvalid(input, /not a FHIR Bundle/);
    });

    it('the EPS fixture\u2019s XML-DSig signature is INVALID_SIGNATURE', async () => {
      const { readFileSync } = await import('node:fs');
      const fixture = JSON.parse(
        readFileSync(new URL('../../test/fixtures/eps/prescription-order.json', import.meta.url), 'utf8'),
      );
      await expectInvalid(fixture, /sigFormat must be application\/jose/);
      signatureOf(fixture).sigFormat = 'application/jose';
      await expectInvalid(fixture, /compact JWS/);
    });

    it('when must be the same instant as sigT (any RFC 3339 spelling), or absent', async () => {
      const bundle = copy(signed.ES256);
      signatureOf(bundle).when = '2024-05-01T09:30:01Z';
      const error = await expectInvalid(bundle, /when must be the signing time/);
      expect(error.expression).toMatch(/signature\[0\]\.when$/);
      signatureOf(bundle).when = 'not a time';
      await expectInvalid(bundle, /when must be the signing time/);
      signatureOf(bundle).when = 1714555800;
      await expectInvalid(bundle, /when must be an instant/);
      signatureOf(bundle).when = '2024-05-01T10:30:00+01:00';
      await expect(verifyBundleSignature(bundle)).resolves.toBeDefined();
      delete signatureOf(bundle).when;
      await expect(verifyBundleSignature(bundle)).resolves.toBeDefined();
    });

    it('sigFormat must be application/jose', async () => {
      for (const sigFormat of ['application/signature+xml', 'application/jose+json', undefined]) {
        const bundle = copy(signed.ES256);
        signatureOf(bundle).sigFormat = sigFormat;
        const error = await expectInvalid(bundle, /sigFormat must be application\/jose/);
        expect(error.expression).toMatch(/signature\[0\]\.sigFormat$/);
      }
    });

    it('data must be base64 of the UTF-8 JWS', async () => {
      const jws = readSignature(signed.ES256)!.jws;
      const spellings: [unknown, RegExp][] = [
        [undefined, /base64 of the UTF-8 JWS/],
        [42, /base64 of the UTF-8 JWS/],
        [Buffer.from(jws).toString('base64url'), /base64 of the UTF-8 JWS|compact JWS/],
        [jws, /base64 of the UTF-8 JWS/],
        [Buffer.from([0xc3, 0x28]).toString('base64'), /base64 of the UTF-8 JWS/],
        [`${b64(jws)}\n`, /base64 of the UTF-8 JWS/],
        [b64('hello'), /compact JWS/],
      ];
      for (const [data, message] of spellings) {
        const bundle = copy(signed.ES256);
        signatureOf(bundle).data = data;
        await expectInvalid(bundle, message);
      }
    });

    it('exactly one signature Provenance, with the signature first', async () => {
      const two = copy(signed.ES256);
      two.entry.push(copy(signatureProvenanceOf(two)));
      await expectInvalid(two, /2 signature Provenances/);

      const second = copy(signed.ES256);
      signatureProvenanceOf(second).resource.signature.unshift({
        type: [{ system: 'urn:other', code: 'x' }],
        data: 'eA==',
      });
      await expectInvalid(second, /first signature/);
    });

    it('a Bundle whose content has no canonical form', async () => {
      const bundle = copy(signed.ES256);
      bundle.identifier.value = '\ud800';
      await expectInvalid(bundle, /canonical/);
    });

    it('works on frozen input and does not change it', async () => {
      const bundle = copy(signed.PS256);
      const before = JSON.stringify(bundle);
      await verifyBundleSignature(Object.freeze(bundle));
      expect(JSON.stringify(bundle)).toBe(before);
    });
  });
});
