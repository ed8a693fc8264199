/**
 * What a prescriber certificate says (the profile): subject CN from the register's name for the
 * Practitioner, the Practitioner's URL as a SAN URI (the binding a verifier can read without the
 * register), digitalSignature + nonRepudiation, not a CA, where the CRL is, and the issuing CA's
 * key identifier.
 */
import { x509 } from './x509.js';

/** X.520 ub-common-name. */
const CN_MAX = 64;

/**
 * A name safe in a DN: letters (any script), digits, spaces and . ' ( ) - only. Other characters
 * (commas, quotes, plus signs, angle brackets…) are dropped, because DN string escaping is where
 * names get misread, and the CN is for people: the binding is the SAN URI.
 */
export function commonName(display: string): string {
  const cleaned = display
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N} .'()-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, CN_MAX)
    .trim();
  return cleaned.length > 0 ? cleaned : 'Prescriber';
}

export function practitionerUrl(publicUrl: string, practitionerId: string): string {
  return `${publicUrl}/fhir/R4/Practitioner/${practitionerId}`;
}

export function crlUrl(publicUrl: string): string {
  return `${publicUrl}/pki/crl`;
}

export interface LeafProfile {
  serialNumber: string;
  practitionerId: string;
  practitionerName: string;
  publicUrl: string;
  notBefore: Date;
  notAfter: Date;
  issuerKeyId: string;
}

export async function leafExtensions(
  profile: LeafProfile,
  publicKey: x509.PublicKey,
): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
      true,
    ),
    new x509.SubjectAlternativeNameExtension([
      { type: 'url', value: practitionerUrl(profile.publicUrl, profile.practitionerId) },
    ]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    new x509.AuthorityKeyIdentifierExtension(profile.issuerKeyId),
    new x509.CRLDistributionPointsExtension([crlUrl(profile.publicUrl)]),
  ];
}

/** The Practitioner id a certificate of this profile names in its SAN URI, if any. */
export function practitionerIdOf(certificate: x509.X509Certificate, publicUrl: string): string | undefined {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const prefix = practitionerUrl(publicUrl, '');
  for (const name of san?.names.items ?? []) {
    if (name.type === 'url' && name.value.startsWith(prefix)) return name.value.slice(prefix.length);
  }
  return undefined;
}
