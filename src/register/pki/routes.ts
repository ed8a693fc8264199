/**
 * The PKI over HTTP: `$issue-certificate` and `$revoke-certificate` on a Practitioner [registrar,
 * step-up], and the public `GET /pki/ca.pem` and `GET /pki/crl` (no token: relying parties fetch
 * them). Every issue and revocation is audited.
 */

import type { Practitioner } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { auditRequest } from '../../platform/auth/fastify.js';
import type { Database } from '../../platform/database/database.js';
import { invalid, Problem } from '../../platform/errors/problem.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import * as D from '../../platform/http/route-docs.js';
import { REGISTRAR } from '../policies.js';
import { displayName } from '../practitioners/rules.js';
import type { CertificateAuthority } from './authority.js';
import { type CrlSettings, currentCrl } from './crl.js';
import { checkCsr } from './csr.js';
import { issueCertificate } from './issue.js';
import { outputParameters, parameterPath, requiredValue, requireParameters } from './parameters.js';
import { isRevocationReason, REVOCATION_REASONS } from './revocation.js';
import { revokeCertificate } from './revoke.js';
import { normaliseSerial } from './serial.js';

export interface PkiRouteDeps {
  db: Database;
  audit: { record(input: AuditInput): Promise<void> };
  authority: CertificateAuthority;
  crl: CrlSettings;
  publicUrl: string;
  validityDays: number;
}

type IdParams = { Params: { id: string } };

export const ISSUE_CERTIFICATE = 'issue-certificate';
export const REVOKE_CERTIFICATE = 'revoke-certificate';

async function auditOperation(deps: PkiRouteDeps, request: FastifyRequest, id: string, detail: string) {
  await deps.audit.record({
    action: 'E',
    subtype: 'operation',
    outcome: '0',
    ...auditRequest(request),
    entity: { reference: `Practitioner/${id}` },
    detail,
  });
}

export function pkiOperationRoutes(fhir: FastifyInstance, deps: PkiRouteDeps): void {
  // The register's own policy: changing who may sign is a register change.
  const registrar = { config: { access: REGISTRAR } };

  fhir.post<IdParams>(`/Practitioner/:id/$${ISSUE_CERTIFICATE}`, registrar, async (request, reply) => {
    const { id } = request.params;
    validateId(id);
    const parameters = requireParameters(request.body);
    const csr = await checkCsr(requiredValue(parameters, 'csr', 'valueString', 'a PEM PKCS#10 request'));
    const issued = await deps.db.transaction(async (tx) => {
      const stored = await readCurrent(tx, 'Practitioner', id, { forUpdate: true });
      if (!stored) throw new Problem('NOT_FOUND', `Practitioner/${id} not found`);
      if (stored.deleted) throw new Problem('GONE', `Practitioner/${id} was deleted`);
      return issueCertificate(tx, deps.authority, {
        practitionerId: id,
        practitionerName: displayName(JSON.parse(stored.content) as Practitioner),
        publicKey: csr.publicKey,
        remote: false,
        validityDays: deps.validityDays,
        publicUrl: deps.publicUrl,
      });
    });
    await auditOperation(
      deps,
      request,
      id,
      `$${ISSUE_CERTIFICATE}: serial ${issued.serialNumber}, ${csr.keyDescription}`,
    );
    return sendFhir(
      reply,
      200,
      outputParameters([
        { name: 'certificate', valueString: `${issued.certificate.toString('pem')}\n` },
        { name: 'chain', valueString: deps.authority.issuingPem() },
        { name: 'serialNumber', valueString: issued.serialNumber },
        { name: 'notBefore', valueInstant: issued.notBefore.toISOString() },
        { name: 'notAfter', valueInstant: issued.notAfter.toISOString() },
      ]),
    );
  });

  fhir.post<IdParams>(`/Practitioner/:id/$${REVOKE_CERTIFICATE}`, registrar, async (request, reply) => {
    const { id } = request.params;
    validateId(id);
    const parameters = requireParameters(request.body);
    const serialText = requiredValue(parameters, 'serialNumber', 'valueString', 'the hex serial number');
    const serialNumber = normaliseSerial(serialText);
    if (!serialNumber) {
      throw invalid(
        'serialNumber must be hexadecimal without separators (e.g. 5f3a…)',
        parameterPath('serialNumber', 'valueString'),
      );
    }
    const reason = requiredValue(
      parameters,
      'reason',
      'valueCode',
      `one of ${REVOCATION_REASONS.join(', ')}`,
    );
    if (!isRevocationReason(reason)) {
      throw invalid(
        `'${reason.slice(0, 40)}' is not a revocation reason; use one of ${REVOCATION_REASONS.join(', ')}`,
        parameterPath('reason', 'valueCode'),
      );
    }
    const outcome = await deps.db.transaction((tx) =>
      revokeCertificate(tx, deps.authority, { practitionerId: id, serialNumber, reason }, deps.crl),
    );
    await auditOperation(
      deps,
      request,
      id,
      `$${REVOKE_CERTIFICATE}: serial ${serialNumber}, ${outcome.reason}${outcome.changed ? '' : ' (already revoked)'}`,
    );
    return sendFhir(
      reply,
      200,
      outputParameters([
        { name: 'serialNumber', valueString: outcome.serialNumber },
        { name: 'reason', valueCode: outcome.reason },
        { name: 'revokedAt', valueInstant: outcome.revokedAt.toISOString() },
      ]),
    );
  });
}

export function pkiPublicRoutes(
  app: FastifyInstance,
  deps: Pick<PkiRouteDeps, 'db' | 'authority' | 'crl'>,
): void {
  app.get(
    '/pki/ca.pem',
    {
      config: { access: 'public' },
      ...D.documented('pki', 'The prescriber CA certificates (PEM)', {
        produces: 'application/pem-certificate-chain',
        responses: { 200: D.text('PEM') },
      }),
    },
    async (_request, reply) =>
      reply
        .header('content-type', 'application/pem-certificate-chain')
        .header('cache-control', 'public, max-age=3600')
        .send(deps.authority.chainPem()),
  );

  app.get(
    '/pki/crl',
    {
      config: { access: 'public' },
      ...D.documented('pki', 'The current certificate revocation list (DER)', {
        produces: 'application/pkix-crl',
        responses: { 200: { type: 'string', format: 'binary' } },
      }),
    },
    async (_request, reply) => {
      const crl = await currentCrl(deps.db, deps.authority, deps.crl);
      return (
        reply
          .header('content-type', 'application/pkix-crl')
          .header('last-modified', crl.thisUpdate.toUTCString())
          .header('expires', crl.nextUpdate.toUTCString())
          // Revocations must reach relying parties at once: revalidate on every use.
          .header('cache-control', 'no-cache')
          .send(Buffer.from(crl.der))
      );
    },
  );
}
