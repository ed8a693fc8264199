/**
 * `verifyBundleSignature` (src/signing/verify.ts) on the same prescriber's certificate again and
 * again, as on every order and every release: µs of CPU per verification, in this process.
 *   ROOT=/path/to/checkout npx tsx bench/suites/signature-verify-cost.ts [N]
 * ROOT runs the same measurement against another checkout (the code before a change).
 */
const root = process.env.ROOT ?? process.cwd();
const n = Number(process.argv[2] ?? 1000);
const { signPrescription } = (await import(
  `${root}/src/signing/sign.ts`
)) as typeof import('../../src/signing/sign.js');
const { verifyBundleSignature } = (await import(
  `${root}/src/signing/verify.ts`
)) as typeof import('../../src/signing/verify.js');
const { makeSigner, SIG_T, unsignedOrder } = (await import(
  `${root}/test/support/signing/material.ts`
)) as typeof import('../../test/support/signing/material.js');

const signer = await makeSigner('ES256');
const bundle = await signPrescription(unsignedOrder(), {
  privateKey: signer.privateKey,
  certificate: signer.certificatePem,
  alg: 'ES256',
  sigT: SIG_T,
});
for (let i = 0; i < 100; i++) await verifyBundleSignature(bundle);
const before = process.cpuUsage();
for (let i = 0; i < n; i++) await verifyBundleSignature(bundle);
const cpu = process.cpuUsage(before);
process.stdout.write(
  `${root}: ${n} verifications, ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU each\n`,
);
