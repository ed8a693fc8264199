/**
 * POST /fhir/R4/$prepare — the exact bytes a prescriber signs and their digest (docs/api.md §5);
 * POST /fhir/R4/$sign [prescriber, MFA] — remote signing for prescribers without their own key:
 * the service signs with the key it holds for the caller and returns the signed Bundle.
 */

import type { Bundle, Parameters } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../platform/auth/fastify.js';
import type { Database } from '../../platform/database/database.js';
import { invalid, Problem } from '../../platform/errors/problem.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import type { RemoteKeys } from '../../register/index.js';
import { digestOf, SigningError, signingPayload, signPrescription } from '../../signing/index.js';
import { assertMessageBundle } from '../order/bundle-entries.js';
import { parsePrescriptionOrder } from '../order/parse-order.js';
import { type PrescriberRegister, registeredPrescriber } from '../signature/verify-prescription.js';

/** The register's remote-signing keys (its `remote-keys` service). */
export type RemoteSigningKeys = RemoteKeys;

export function registerPrepareAndSign(
  fhir: FastifyInstance,
  deps: {
    db: Database;
    register: PrescriberRegister;
    remoteKeys: RemoteSigningKeys;
    now?: () => Date;
  },
): void {
  const now = deps.now ?? (() => new Date());
  fhir.post('/$prepare', { config: { access: { roles: ['prescriber'] } } }, async (request, reply) => {
    const bundle = validateResource(assertMessageBundle(request.body)) as Bundle;
    // Canonicalised once: the digest is of these bytes, not of a second canonicalisation.
    const payload = signingPayload(bundle);
    const parameters: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'payload', valueBase64Binary: Buffer.from(payload).toString('base64') },
        { name: 'digest', valueString: digestOf(payload) },
        { name: 'algorithm', valueString: 'SHA-256' },
      ],
    };
    return sendFhir(reply, 200, parameters);
  });

  fhir.post(
    '/$sign',
    { config: { access: { roles: ['prescriber'], stepUp: true } } },
    async (request, reply) => {
      const order = parsePrescriptionOrder(assertMessageBundle(request.body));
      const { bundle } = order;
      const caller = principalOf(request);
      const signed = await deps.db.transaction(async (tx) => {
        const prescriber = await registeredPrescriber(tx, order, deps.register);
        if (!prescriber || caller.fhirUser !== `Practitioner/${prescriber}`) {
          throw new Problem(
            'SIGNER_MISMATCH',
            'The service signs only prescriptions whose prescriber is the caller',
          );
        }
        const material = await deps.remoteKeys.signingMaterial(tx, prescriber);
        try {
          return await signPrescription(bundle, {
            privateKey: material.privateKey,
            certificate: material.certificateDer,
            sigT: now(),
          });
        } catch (error) {
          if (error instanceof SigningError) throw invalid(error.message);
          throw error;
        }
      });
      return sendFhir(reply, 200, signed);
    },
  );
}
