/**
 * Verification of the cryptography and the shape only (docs/api.md §5). Whether the leaf chains to
 * the prescriber CA, was valid and unrevoked at sigT, belongs to the prescriber, and whether sigT
 * is recent enough, is the server's PKI's to judge with what this returns.
 */
import { flattenedVerify } from 'jose';
import { readSignature } from './carrier.js';
import { toBase64url } from './encoding.js';
import { SignatureError } from './errors.js';
import { parseProtectedHeader, splitDetachedJws } from './header.js';
import { keyProblem } from './keys.js';
import { digestOf, signingPayload } from './payload.js';
import { parseRfc3339 } from './rfc3339.js';
import { isRecord, SIG_FORMAT, type SignableBundle, type SignatureAlgorithm } from './scheme.js';

export interface VerifiedSignature {
  alg: SignatureAlgorithm;
  sigT: Date;
  leafCertificateDer: Uint8Array;
  /** The certificates after the leaf in x5c, in order (often none). */
  chainDer: Uint8Array[];
  /** `Provenance.signature[0].who.reference`: the PractitionerRole the signer names. */
  who?: string;
  /** SHA-256 of the signed payload, base64. */
  payloadDigest: string;
}

function invalid(message: string, expression?: string): SignatureError {
  return new SignatureError('INVALID_SIGNATURE', message, expression);
}

/**
 * Checks the Bundle's signature: one signature Provenance, `sigFormat` application/jose, a compact
 * JWS with an empty payload part, a protected header of exactly alg (ES256, PS256 or RS256), x5c,
 * sigT and crit ["sigT"], `when` (if present) the same instant as sigT, the x5c[0] key fit for alg,
 * and the signature valid over the payload recomputed from this Bundle. Throws SignatureError:
 * MISSING_DIGITAL_SIGNATURE when there is no signature Provenance, INVALID_SIGNATURE otherwise.
 */
export async function verifyBundleSignature(bundle: unknown): Promise<VerifiedSignature> {
  if (!isRecord(bundle) || bundle.resourceType !== 'Bundle') throw invalid('not a FHIR Bundle');
  const carrier = readSignature(bundle);
  if (!carrier) {
    throw new SignatureError(
      'MISSING_DIGITAL_SIGNATURE',
      'the Bundle has no Provenance with a prescription signature (type urn:iso-astm:E1762-95:2013#1.2.840.10065.1.12.1.1)',
      'Bundle.entry',
    );
  }
  const path = `Bundle.entry[${carrier.entryIndex}].resource.signature[0]`;
  if (carrier.sigFormat !== SIG_FORMAT) {
    throw invalid(`signature sigFormat must be ${SIG_FORMAT}`, `${path}.sigFormat`);
  }
  const { encodedHeader, encodedSignature } = splitDetachedJws(carrier.jws, `${path}.data`);
  const header = parseProtectedHeader(encodedHeader, `${path}.data`);
  if (carrier.when !== undefined && parseRfc3339(carrier.when)?.getTime() !== header.signingTime.getTime()) {
    throw invalid('signature when must be the signing time (sigT) of the JWS', `${path}.when`);
  }
  const [leaf, ...chain] = header.certificates as [
    (typeof header.certificates)[0],
    ...typeof header.certificates,
  ];
  const problem = keyProblem(leaf.publicKey, header.alg);
  if (problem) throw invalid(`the x5c[0] certificate's key does not fit alg: ${problem}`, `${path}.data`);
  let payload: Uint8Array;
  try {
    payload = signingPayload(bundle as unknown as SignableBundle);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  try {
    await flattenedVerify(
      { protected: encodedHeader, payload: toBase64url(payload), signature: encodedSignature },
      // The same KeyObject for the same x5c, so jose imports it into WebCrypto once.
      leaf.publicKey,
      { algorithms: [header.alg], crit: { sigT: true } },
    );
  } catch {
    throw invalid(
      'the signature does not verify over this Bundle: its content changed after signing, or another key signed it',
      `${path}.data`,
    );
  }
  return {
    alg: header.alg,
    sigT: header.signingTime,
    leafCertificateDer: leaf.der,
    chainDer: chain.map((certificate) => certificate.der),
    ...(carrier.who !== undefined ? { who: carrier.who } : {}),
    payloadDigest: digestOf(payload),
  };
}
