/**
 * Who signed, and could they, at sigT — in one query: the certificate's row, the Practitioner the
 * prescription's identifiers name, and every version of the roles of the certificate's
 * practitioner. The judgements are the ones the separate calls make (pki/check.ts,
 * register-service.ts, rights/role-store.ts); only the round trips are fewer. Rights are read for
 * the certificate's practitioner: a prescription whose prescriber is someone else is refused
 * (SIGNER_MISMATCH) before its rights matter.
 */
import type { Queryable } from '../platform/database/database.js';
import {
  type CertificateCheck,
  type CertificateChecker,
  type CertificateRow,
  derParameter,
  judgeCertificateRow,
} from './pki/check.js';
import {
  choosePractitioner,
  type IdentifierValue,
  identifierParams,
  type PractitionerMatch,
  usableIdentifiers,
} from './register-service.js';
import {
  groupRoleVersions,
  ROLE_VERSIONS,
  type RoleVersionRow,
  rightsFromVersions,
} from './rights/role-store.js';
import type { PrescribingRight } from './systems.js';

export interface SignerQuery {
  leafDer: Uint8Array;
  chainDer?: readonly Uint8Array[];
  sigT: Date;
  /** The prescription's identifiers of its prescriber. */
  identifiers: readonly IdentifierValue[];
  /** ODS code of the prescribing organisation. */
  orgOds: string;
}

export interface Signer {
  certificate: CertificateCheck;
  /** The register's Practitioner id the identifiers name, if exactly one. */
  identifiedPractitioner: string | undefined;
  /** The rights the certificate's practitioner held at orgOds at sigT (empty when it failed). */
  rights: PrescribingRight[];
}

// The certificate is found by its primary key and kept only when its bytes are the leaf's ($4):
// compared in the database, so the DER is never sent back. The certificate's practitioner
// reference is the role query's parameter; the query itself is ROLE_VERSIONS, so its plan (and
// its test) hold here too. Exported for its plan test (signer-at.test.ts).
export const SIGNER_SQL = `
  WITH certificate AS (
    SELECT practitioner_id, revoked_at, revocation_reason
    FROM pki_certificate WHERE serial_number = $1 AND der = $4
  )
  SELECT
    (SELECT row_to_json(certificate) FROM certificate) AS certificate,
    (SELECT json_agg(json_build_object('id', t.id, 'system', t.system, 'value', t.value, 'content', r.content))
     FROM search_token t
     JOIN fhir_resource r ON r.resource_type = t.resource_type AND r.id = t.id AND NOT r.deleted
     WHERE t.resource_type = 'Practitioner' AND t.param = 'identifier'
       AND t.value = ANY($2::text[]) AND t.system = ANY($3::text[])) AS practitioners,
    (SELECT json_agg(roles) FROM (${ROLE_VERSIONS.replace('$1', "(SELECT 'Practitioner/' || practitioner_id FROM certificate)")}) AS roles) AS roles`;

interface SignerRow {
  certificate: CertificateRow | null;
  practitioners: PractitionerMatch[] | null;
  roles: RoleVersionRow[] | null;
}

export function createSignerLookup(checker: Pick<CertificateChecker, 'precheck'>) {
  return async function signerAt(q: Queryable, query: SignerQuery): Promise<Signer> {
    const checked = await checker.precheck(query);
    if ('failure' in checked) {
      return { certificate: checked.failure, identifiedPractitioner: undefined, rights: [] };
    }
    const wanted = usableIdentifiers(query.identifiers);
    const result = await q.query<SignerRow>(SIGNER_SQL, [
      checked.serialNumber,
      ...identifierParams(wanted),
      derParameter(query.leafDer),
    ]);
    const row = result.rows[0]!;
    const certificate = judgeCertificateRow(row.certificate ?? undefined, query.sigT, checked.serialNumber);
    const identified = wanted.length > 0 ? choosePractitioner(wanted, row.practitioners ?? []) : undefined;
    const rights = certificate.ok
      ? rightsFromVersions(groupRoleVersions(row.roles ?? []), {
          practitionerId: certificate.practitionerId,
          orgOds: query.orgOds,
          at: query.sigT,
        })
      : [];
    return { certificate, identifiedPractitioner: identified?.id, rights };
  };
}
