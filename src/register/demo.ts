/**
 * Demo register for `npm start` (PATHWAYS_DEMO): the demo prescribers and registrar with their
 * roles at the demo GP practice, and for `demo-prescriber` a key and certificate of its own in
 * DATA_DIR/demo/ so the example script can sign locally. Idempotent: what exists is left alone,
 * and the demo key is only replaced when its certificate is no longer good (revoked, expiring, or
 * from another CA). Numbers are synthetic (9999… GMC, 99Z… NMC).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import type { Database } from '../platform/database/database.js';
import { readCurrent, updateResource } from '../platform/fhir/store/repository.js';
import { CALLER, type WriteRules } from '../platform/fhir/write-rules.js';
import type { CertificateAuthority } from './pki/authority.js';
import { writeIfChanged } from './pki/ca-pem-files.js';
import { issueCertificate } from './pki/issue.js';
import { normaliseSerial } from './pki/serial.js';
import { x509 } from './pki/x509.js';
import { practitionerRules } from './practitioners/write-rules.js';
import { practitionerRoleRules } from './rights/write-rules.js';
import {
  GMC_NUMBER,
  NMC_NUMBER,
  ODS_SYSTEM,
  PRESCRIBING_RIGHT_SYSTEM,
  PROFESSIONAL_CODE,
} from './systems.js';

const DEMO_ORG = 'A83008';
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

function practitioner(
  id: string,
  system: string,
  value: string,
  text: string,
  name: Partial<{ prefix: string; given: string; family: string }>,
): Practitioner {
  return {
    resourceType: 'Practitioner',
    id,
    active: true,
    identifier: [{ system, value }],
    name: [
      {
        use: 'official',
        text,
        ...(name.prefix ? { prefix: [name.prefix] } : {}),
        ...(name.given ? { given: [name.given] } : {}),
        ...(name.family ? { family: name.family } : {}),
      },
    ],
  };
}

function role(id: string, practitionerId: string, rights: string[], text: string): PractitionerRole {
  return {
    resourceType: 'PractitionerRole',
    id,
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId}` },
    organization: { identifier: { system: ODS_SYSTEM, value: DEMO_ORG } },
    period: { start: '2024-01-01' },
    code: [
      ...(rights.length > 0
        ? [{ coding: rights.map((code) => ({ system: PRESCRIBING_RIGHT_SYSTEM, code })) }]
        : []),
      { text },
    ],
  };
}

export const DEMO_PRACTITIONERS: Practitioner[] = [
  practitioner('demo-prescriber', GMC_NUMBER, '9999001', 'Dr Asha Patel (demo)', {
    prefix: 'Dr',
    given: 'Asha',
    family: 'Patel',
  }),
  practitioner('demo-prescriber-remote', NMC_NUMBER, '99Z9001D', 'Nurse Ben Carter (demo)', {
    given: 'Ben',
    family: 'Carter',
  }),
  practitioner('demo-registrar', PROFESSIONAL_CODE, 'REG9001', 'Registrar Chris Lee (demo)', {
    given: 'Chris',
    family: 'Lee',
  }),
];

export const DEMO_ROLES: PractitionerRole[] = [
  role(
    'demo-prescriber-role',
    'demo-prescriber',
    ['independent', 'controlled-drugs'],
    'General practitioner',
  ),
  role(
    'demo-prescriber-remote-role',
    'demo-prescriber-remote',
    ['supplementary', 'independent'],
    'Nurse prescriber',
  ),
  role('demo-registrar-role', 'demo-registrar', [], 'Registrar'),
];

async function seedResource<T extends Resource>(
  db: Database,
  rules: WriteRules<T>,
  resource: T,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (await readCurrent(tx, resource.resourceType, resource.id!)) return false;
    rules.check?.(resource);
    await rules.beforeWrite?.(tx, {
      interaction: 'create',
      id: resource.id!,
      before: undefined,
      after: resource,
      agent: CALLER,
    });
    await updateResource(tx, resource.resourceType, resource.id!, resource);
    return true;
  });
}

export interface DemoDeps {
  db: Database;
  authority: CertificateAuthority;
  dataDir: string;
  publicUrl: string;
  validityDays: number;
  now?: () => Date;
}

export async function seedRegisterDemo(deps: DemoDeps): Promise<string[]> {
  for (const resource of DEMO_PRACTITIONERS) await seedResource(deps.db, practitionerRules, resource);
  for (const resource of DEMO_ROLES) await seedResource(deps.db, practitionerRoleRules, resource);
  const files = await ensureDemoKey(deps);
  return [
    'Register: Practitioner/demo-prescriber (GMC 9999001; A83008: independent, controlled-drugs) signs with its own key;',
    '  Practitioner/demo-prescriber-remote (NMC 99Z9001D; A83008: supplementary, independent) signs remotely ($sign).',
    `Demo prescriber key:         ${files.key}`,
    `Demo prescriber certificate: ${files.cert}`,
    `PKI: CA chain ${deps.publicUrl}/pki/ca.pem, CRL ${deps.publicUrl}/pki/crl (CA certificates also in ${path.join(deps.dataDir, 'pki')})`,
  ];
}

/** The demo key pair on disk, with a certificate the register issued and still stands behind. */
async function ensureDemoKey(deps: DemoDeps): Promise<{ key: string; cert: string }> {
  const dir = path.join(deps.dataDir, 'demo');
  const key = path.join(dir, 'demo-prescriber.key.pem');
  const cert = path.join(dir, 'demo-prescriber.cert.pem');
  if (await stillGood(deps, key, cert)) return { key, cert };
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = new x509.PublicKey(pair.publicKey.export({ type: 'spki', format: 'der' }));
  const issued = await deps.db.transaction((tx) =>
    issueCertificate(tx, deps.authority, {
      practitionerId: 'demo-prescriber',
      practitionerName: 'Dr Asha Patel (demo)',
      publicKey,
      remote: false,
      validityDays: deps.validityDays,
      publicUrl: deps.publicUrl,
      ...(deps.now ? { now: deps.now() } : {}),
    }),
  );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeIfChanged(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  writeIfChanged(cert, `${issued.certificate.toString('pem')}\n`);
  return { key, cert };
}

async function stillGood(deps: DemoDeps, keyFile: string, certFile: string): Promise<boolean> {
  let certificate: x509.X509Certificate;
  let keySpki: Buffer;
  try {
    certificate = new x509.X509Certificate(readFileSync(certFile, 'utf8'));
    keySpki = Buffer.from(
      createPublicKey(createPrivateKey(readFileSync(keyFile, 'utf8'))).export({
        type: 'spki',
        format: 'der',
      }),
    );
  } catch {
    return false;
  }
  if (!keySpki.equals(Buffer.from(certificate.publicKey.rawData))) return false;
  const now = (deps.now ?? (() => new Date()))();
  const matches = await deps.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pki_certificate
     WHERE serial_number = $1 AND practitioner_id = 'demo-prescriber' AND issuer_key_id = $2
       AND revoked_at IS NULL AND not_after > $3`,
    [
      normaliseSerial(certificate.serialNumber) ?? '',
      deps.authority.keyId,
      new Date(now.getTime() + RENEW_BEFORE_MS),
    ],
  );
  return (matches.rows[0]?.n ?? 0) > 0;
}
