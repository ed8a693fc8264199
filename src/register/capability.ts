/**
 * The right-to-prescribe register and its PKI (docs/api.md §4) as one capability:
 * Practitioner / PractitionerRole write rules (declared to the generic FHIR routes), certificate issuing and
 * revocation, the CA chain and CRL, and the services `register`, `pki` and `remote-keys`.
 */

import type { CapabilityFactory } from '../platform/capability.js';
import type { Queryable } from '../platform/database/database.js';
import { seedRegisterDemo } from './demo.js';
import { CertificateAuthority } from './pki/authority.js';
import { caFromFiles } from './pki/ca-files.js';
import { writeCaPemFiles } from './pki/ca-pem-files.js';
import { loadOrCreateCa } from './pki/ca-store.js';
import { type CertificateCheck, type CheckInput, createCertificateChecker } from './pki/check.js';
import { currentCrl } from './pki/crl.js';
import { createRemoteKeys } from './pki/remote-keys.js';
import { ISSUE_CERTIFICATE, pkiOperationRoutes, pkiPublicRoutes, REVOKE_CERTIFICATE } from './pki/routes.js';
import { createRegisterService } from './register-service.js';
import { declareRegisterTypes } from './resource-types.js';
import { PKI_SERVICE, REGISTER_SERVICE, REMOTE_KEYS_SERVICE } from './services.js';
import { registerSettings } from './settings.js';
import { createSignerLookup, type Signer, type SignerQuery } from './signer-at.js';

/** The `pki` service. */
export interface PkiService {
  /** Is `leafDer` a certificate the register issued, fit for a signature made at `sigT`? */
  checkSigningCertificate(q: Queryable, input: CheckInput): Promise<CertificateCheck>;
  /** The certificate, the prescriber the identifiers name and the rights at sigT, in one query. */
  signerAt(q: Queryable, query: SignerQuery): Promise<Signer>;
  /** The issuing CA then the root, PEM (as GET /pki/ca.pem). */
  caChainPem(): string;
}

const OPERATION_BASE = 'https://fhir.pathways.dev/OperationDefinition';

export const registerCapability: CapabilityFactory = async (context) => {
  const settings = registerSettings(context.env);
  const material = settings.caFiles
    ? await caFromFiles(settings.caFiles)
    : await loadOrCreateCa(context.db, context.secretKey);
  const authority = await CertificateAuthority.create(material);
  const publicUrl = context.config.publicUrl;
  const crl = { validityHours: settings.crlValidityHours };
  writeCaPemFiles(context.config.dataDir, authority, context.log);
  await currentCrl(context.db, authority, crl);
  context.log.info({ source: authority.source, issuer: authority.issuing.subject }, 'register: PKI ready');

  const checker = createCertificateChecker(authority);
  declareRegisterTypes(context.resourceRules);
  context.services.provide(REGISTER_SERVICE, createRegisterService());
  context.services.provide(PKI_SERVICE, {
    checkSigningCertificate: checker.checkSigningCertificate,
    signerAt: createSignerLookup(checker),
    caChainPem: () => authority.chainPem(),
  });
  context.services.provide(
    REMOTE_KEYS_SERVICE,
    createRemoteKeys({
      authority,
      secretKey: context.secretKey,
      validityDays: settings.certificateValidityDays,
      publicUrl,
      crl,
    }),
  );
  context.capabilities.addOperation({
    name: ISSUE_CERTIFICATE,
    definition: `${OPERATION_BASE}/Practitioner-${ISSUE_CERTIFICATE}`,
    resourceType: 'Practitioner',
    documentation: 'Issue a prescriber signing certificate from a PKCS#10 request (csr) [registrar, MFA]',
  });
  context.capabilities.addOperation({
    name: REVOKE_CERTIFICATE,
    definition: `${OPERATION_BASE}/Practitioner-${REVOKE_CERTIFICATE}`,
    resourceType: 'Practitioner',
    documentation: "Revoke one of the Practitioner's certificates (serialNumber, reason) [registrar, MFA]",
  });

  return {
    name: 'register',
    async routes(app) {
      pkiPublicRoutes(app, { db: context.db, authority, crl });
    },
    async fhirRoutes(fhir) {
      pkiOperationRoutes(fhir, {
        db: context.db,
        audit: context.audit,
        authority,
        crl,
        publicUrl,
        validityDays: settings.certificateValidityDays,
      });
    },
    seedDemo: () =>
      seedRegisterDemo({
        db: context.db,
        authority,
        dataDir: context.config.dataDir,
        publicUrl,
        validityDays: settings.certificateValidityDays,
      }),
  };
};
