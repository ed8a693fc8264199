/**
 * Signs a prescription-order Bundle the way Pathways verifies it (docs/api.md §5), using only
 * src/signing. For GP and hospital prescribing systems: copy src/signing into your code base (it
 * needs node:crypto, `jose` 6 and `canonicalize` 4.0.0) or run this script.
 *
 *   node --import tsx examples/sign-prescription.ts bundle.json key.pem cert.pem > signed.json
 *   node --import tsx examples/sign-prescription.ts bundle.json key.pem cert.pem --alg PS256 --sig-t 2024-05-01T09:30:00Z
 *
 *   bundle.json  the prescription-order message Bundle, unsigned or signed (any signature
 *                Provenance it has is replaced)
 *   key.pem      the prescriber's private key, PEM (PKCS#8): EC P-256 signs ES256, RSA of 2048 bits
 *                or more signs RS256 unless --alg PS256
 *   cert.pem     the leaf certificate Pathways issued for that key
 *                (POST /fhir/R4/Practitioner/{id}/$issue-certificate, Parameters `certificate`)
 *   --alg        ES256, PS256 or RS256 (default from the key)
 *   --sig-t      the signing time, RFC 3339 (default now; Pathways accepts it up to 24 h old and
 *                2 min ahead)
 *   --who        reference to the signing PractitionerRole (default: the first MedicationRequest's
 *                requester, e.g. urn:uuid:…)
 *
 * The signed Bundle goes to stdout; submit it with POST /fhir/R4/$process-message as the
 * prescriber (token with recent MFA). The script checks its own signature before printing.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type SignableBundle,
  type SignatureAlgorithm,
  signPrescription,
  verifyBundleSignature,
} from '../src/signing/index.js';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { alg: { type: 'string' }, 'sig-t': { type: 'string' }, who: { type: 'string' } },
  });
  if (positionals.length !== 3) {
    throw new Error(
      'usage: sign-prescription.ts bundle.json key.pem cert.pem [--alg A] [--sig-t T] [--who REF]',
    );
  }
  const [bundleFile, keyFile, certificateFile] = positionals as [string, string, string];
  const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as SignableBundle;
  const signed = await signPrescription(bundle, {
    privateKey: readFileSync(keyFile, 'utf8'),
    certificate: readFileSync(certificateFile, 'utf8'),
    ...(values.alg !== undefined ? { alg: values.alg as SignatureAlgorithm } : {}),
    ...(values['sig-t'] !== undefined ? { sigT: values['sig-t'] } : {}),
    ...(values.who !== undefined ? { who: values.who } : {}),
  });
  const verified = await verifyBundleSignature(signed);
  process.stdout.write(`${JSON.stringify(signed, null, 2)}\n`);
  process.stderr.write(
    `signed with ${verified.alg} at ${verified.sigT.toISOString()}, digest ${verified.payloadDigest}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`sign-prescription: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
