/** Keys, CSRs and foreign certificates for the PKI tests. */
import { type CryptoKeyPair, subtle, x509 } from '../../../src/register/pki/x509.js';

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export async function ecKeys(namedCurve: 'P-256' | 'P-384' = 'P-256'): Promise<CryptoKeyPair> {
  return (await subtle.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function rsaKeys(modulusLength: number): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
}

export async function csrPem(keys: CryptoKeyPair, name = 'CN=Requested Name, O=Ignored'): Promise<string> {
  const algorithm =
    keys.privateKey.algorithm.name === 'ECDSA'
      ? {
          name: 'ECDSA',
          hash:
            (keys.privateKey.algorithm as unknown as { namedCurve: string }).namedCurve === 'P-384'
              ? 'SHA-384'
              : 'SHA-256',
        }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: algorithm,
  });
  return csr.toString('pem');
}

/** A CSR whose signature no longer matches its content (one bit of the signature flipped). */
export async function tamperedCsrPem(): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(await csrPem(await ecKeys()));
  const der = new Uint8Array(csr.rawData.slice(0));
  der[der.length - 3]! ^= 0x01;
  return new x509.Pkcs10CertificateRequest(der).toString('pem');
}

/** A CA nobody trusts, with the same names as ours, and a leaf it issued. */
export async function foreignLeaf(): Promise<{
  leaf: x509.X509Certificate;
  selfSigned: x509.X509Certificate;
}> {
  const caKeys = await ecKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: ['Pathways Prescriber CA'] }, { O: ['Pathways'] }],
    keys: caKeys,
    signingAlgorithm: ES256,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const leafKeys = await ecKeys();
  const leaf = await x509.X509CertificateGenerator.create({
    subject: [{ CN: ['Impostor'] }],
    issuer: ca.subjectName,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ES256,
  });
  const selfSigned = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: ['Self Signed'] }],
    keys: leafKeys,
    signingAlgorithm: ES256,
  });
  return { leaf, selfSigned };
}
