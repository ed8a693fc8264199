/**
 * Every rule of docs/api.md §5 for a signed prescription-order, in one place: the one check run
 * on submission and again before every release (HAZ-TAMPER, HAZ-NO-RIGHT). The cryptography is
 * src/signing (the module suppliers sign with); the certificate is judged by the register's PKI
 * and the right to prescribe by the register, both at the signing time sigT.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import type { PkiService, RegisterService } from '../../register/index.js';
import { SignatureError, verifyBundleSignature } from '../../signing/index.js';
import type { ParsedOrder } from '../order/parse-order.js';

/** The register's PKI, as prescribing uses it (the register's `pki` service). */
export type SigningCertificateCheck = Pick<PkiService, 'checkSigningCertificate' | 'signerAt'>;

/** The right-to-prescribe register (the register's `register` service). */
export type PrescriberRegister = RegisterService;

export interface VerificationDeps {
  pki: SigningCertificateCheck;
  register: PrescriberRegister;
}

export interface VerifiedPrescription {
  sigT: Date;
  /** `Practitioner/<id>` of the signer, in the register. */
  prescriber: string;
  certificateSerial: string;
  payloadDigest: string;
}

/** A signature may be this far ahead of our clock (docs/api.md §5). */
export const SIG_T_FUTURE_SKEW_MS = 2 * 60_000;
/** ...and at most this old when submitted. */
export const SIG_T_MAX_AGE_MS = 24 * 3_600_000;

export async function verifyPrescription(
  q: Queryable,
  bundle: Bundle,
  order: ParsedOrder,
  deps: VerificationDeps,
  options: { now: Date; mode: 'submission' | 'release' },
): Promise<VerifiedPrescription> {
  let verified: Awaited<ReturnType<typeof verifyBundleSignature>>;
  try {
    verified = await verifyBundleSignature(bundle);
  } catch (error) {
    if (error instanceof SignatureError)
      throw new Problem(error.code, error.message, { expression: 'Provenance.signature' });
    throw error;
  }
  const { sigT } = verified;
  if (options.mode === 'submission') checkSigningTime(sigT, options.now);
  const signer = await deps.pki.signerAt(q, {
    leafDer: verified.leafCertificateDer,
    chainDer: verified.chainDer,
    sigT,
    identifiers: order.practitioner.identifiers,
    orgOds: order.organisationOds,
  });
  const { certificate } = signer;
  if (!certificate.ok)
    throw new Problem(certificate.code, certificate.message, { expression: 'Provenance.signature' });
  // As registeredPrescriber: by identifier, else a literal Practitioner reference.
  const prescriber =
    signer.identifiedPractitioner ?? order.practitioner.reference?.slice('Practitioner/'.length);
  if (!prescriber || certificate.practitionerId !== prescriber) {
    throw new Problem('SIGNER_MISMATCH', "The signing certificate was not issued to the bundle's prescriber");
  }
  if (
    verified.who !== undefined &&
    order.requester.fullUrl !== undefined &&
    verified.who !== order.requester.fullUrl
  ) {
    throw new Problem(
      'INVALID_SIGNATURE',
      'Provenance.signature.who must be the requester PractitionerRole',
      {
        expression: 'Provenance.signature.who',
      },
    );
  }
  const { rights } = signer;
  checkRights(rights, order, sigT);
  return {
    sigT,
    prescriber: `Practitioner/${prescriber}`,
    certificateSerial: certificate.serialNumber,
    payloadDigest: verified.payloadDigest,
  };
}

function checkSigningTime(sigT: Date, now: Date): void {
  if (sigT.getTime() > now.getTime() + SIG_T_FUTURE_SKEW_MS) {
    throw new Problem('INVALID_SIGNATURE', `The signing time ${sigT.toISOString()} is in the future`, {
      expression: 'Provenance.signature.when',
    });
  }
  if (sigT.getTime() < now.getTime() - SIG_T_MAX_AGE_MS) {
    throw new Problem(
      'INVALID_SIGNATURE',
      `The signing time ${sigT.toISOString()} is more than 24 hours ago`,
      {
        expression: 'Provenance.signature.when',
      },
    );
  }
}

/** The bundle's prescriber as a register id: by any identifier, or a literal Practitioner reference. */
export async function registeredPrescriber(
  q: Queryable,
  order: ParsedOrder,
  register: PrescriberRegister,
): Promise<string | undefined> {
  if (order.practitioner.identifiers.length > 0) {
    const found = await register.resolvePractitioner(q, order.practitioner.identifiers);
    if (found) return found.id;
  }
  return order.practitioner.reference?.slice('Practitioner/'.length);
}

export function checkRights(
  rights: readonly string[],
  order: Pick<ParsedOrder, 'controlled' | 'organisationOds'>,
  sigT: Date,
): void {
  const at = sigT.toISOString();
  if (!rights.includes('independent') && !rights.includes('supplementary')) {
    throw new Problem(
      'NO_RIGHT_TO_PRESCRIBE',
      `The prescriber had no active right to prescribe at ${order.organisationOds} at the signing time ${at}`,
    );
  }
  if (order.controlled && !rights.includes('controlled-drugs')) {
    throw new Problem(
      'NO_RIGHT_TO_PRESCRIBE',
      `The prescription has a controlled drug and the prescriber had no controlled-drugs right at ${at}`,
    );
  }
}
