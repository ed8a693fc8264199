/**
 * An operator's own CA from PEM files: checked at start (every mistake a ConfigError naming the
 * variable), and once accepted, the CA the service issues from and publishes (both databases).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Parameters } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { caller, freshNumber, practitionerBody, registrar } from '../../../test/support/register/api.js';
import { csrPem, ES256, ecKeys, rsaKeys } from '../../../test/support/register/pki-keys.js';
import { ConfigError } from '../../platform/config/config.js';
import { registerSettings } from '../settings.js';
import { CertificateAuthority } from './authority.js';
import { caFromFiles } from './ca-files.js';
import { type CryptoKeyPair, subtle, x509 } from './x509.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-pki-files-'));
const file = (name: string, content: string) => {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
};

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

async function makeCa(
  options: {
    ca?: boolean;
    notAfter?: Date;
    issuer?: { cert: x509.X509Certificate; keys: CryptoKeyPair };
  } = {},
) {
  const keys = await ecKeys();
  const name: x509.JsonName = [{ CN: ['Health Board Prescriber CA'] }, { O: ['Health Board'] }];
  const extensions = [
    new x509.BasicConstraintsExtension(options.ca ?? true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const validity = {
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 5 * 365 * 86400_000),
  };
  const cert = options.issuer
    ? await x509.X509CertificateGenerator.create({
        subject: name,
        issuer: options.issuer.cert.subjectName,
        publicKey: keys.publicKey,
        signingKey: options.issuer.keys.privateKey,
        signingAlgorithm: ES256,
        extensions,
        ...validity,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        name,
        keys,
        signingAlgorithm: ES256,
        extensions,
        ...validity,
      });
  return { cert, keys };
}

async function makeRoot() {
  const keys = await ecKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: ['Health Board Root'] }],
    keys,
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys };
}

let root: Awaited<ReturnType<typeof makeRoot>>;
let issuing: Awaited<ReturnType<typeof makeCa>>;
let files: { certFile: string; keyFile: string; rootCertFile: string };

beforeAll(async () => {
  root = await makeRoot();
  issuing = await makeCa({ issuer: root });
  files = {
    certFile: file('issuing.pem', issuing.cert.toString('pem')),
    keyFile: file('issuing.key', await keyPem(issuing.keys)),
    rootCertFile: file('root.pem', root.cert.toString('pem')),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('registerSettings', () => {
  it('needs the CA certificate and key together, and the root only with them', () => {
    expect(registerSettings({}).caFiles).toBeUndefined();
    expect(() => registerSettings({ PKI_CA_CERT_FILE: 'a.pem' })).toThrow(/PKI_CA_KEY_FILE/);
    expect(() => registerSettings({ PKI_CA_KEY_FILE: 'a.key' })).toThrow(/PKI_CA_CERT_FILE/);
    expect(() => registerSettings({ PKI_ROOT_CERT_FILE: 'r.pem' })).toThrow(ConfigError);
    const settings = registerSettings({
      PKI_CA_CERT_FILE: 'a.pem',
      PKI_CA_KEY_FILE: 'a.key',
      PKI_ROOT_CERT_FILE: 'r.pem',
    });
    expect(settings.caFiles?.certFile).toBe(path.resolve('a.pem'));
    expect(settings.caFiles?.rootCertFile).toBe(path.resolve('r.pem'));
  });

  it('reads the validity settings with their bounds', () => {
    expect(registerSettings({})).toMatchObject({ certificateValidityDays: 730, crlValidityHours: 24 });
    expect(registerSettings({ PKI_CERT_VALIDITY_DAYS: '365' }).certificateValidityDays).toBe(365);
    expect(() => registerSettings({ PKI_CERT_VALIDITY_DAYS: 'two years' })).toThrow(/PKI_CERT_VALIDITY_DAYS/);
    expect(() => registerSettings({ PKI_CRL_VALIDITY_HOURS: '0' })).toThrow(/PKI_CRL_VALIDITY_HOURS/);
  });
});

describe('caFromFiles', () => {
  it('loads a CA, its key and the root that issued it', async () => {
    const material = await caFromFiles(files);
    expect(material.source).toBe('files');
    expect(material.issuing.serialNumber).toBe(issuing.cert.serialNumber);
    expect(material.root?.serialNumber).toBe(root.cert.serialNumber);
  });

  it('names the variable for a missing file, a file without a certificate, and a missing key', async () => {
    expect(
      (await configError(caFromFiles({ ...files, certFile: path.join(dir, 'nope.pem') }))).variable,
    ).toBe('PKI_CA_CERT_FILE');
    expect((await configError(caFromFiles({ ...files, certFile: files.keyFile }))).message).toContain(
      'no PEM certificate',
    );
    expect((await configError(caFromFiles({ ...files, keyFile: files.certFile }))).variable).toBe(
      'PKI_CA_KEY_FILE',
    );
  });

  it('refuses a key that is not the certificate’s, a certificate that is no CA, and an expired one', async () => {
    const otherKey = file('other.key', await keyPem(await ecKeys()));
    expect((await configError(caFromFiles({ ...files, keyFile: otherKey }))).message).toContain(
      'not the private key',
    );
    const leafLike = await makeCa({ ca: false });
    const notCa = await configError(
      caFromFiles({
        certFile: file('leaf.pem', leafLike.cert.toString('pem')),
        keyFile: file('leaf.key', await keyPem(leafLike.keys)),
      }),
    );
    expect(notCa.message).toContain('not a CA');
    const expired = await makeCa({ notAfter: new Date(Date.now() - 60_000) });
    const old = await configError(
      caFromFiles({
        certFile: file('old.pem', expired.cert.toString('pem')),
        keyFile: file('old.key', await keyPem(expired.keys)),
      }),
    );
    expect(old.message).toContain('not valid now');
  });

  it('refuses a root that did not issue the CA', async () => {
    const stranger = await makeRoot();
    const error = await configError(
      caFromFiles({ ...files, rootCertFile: file('stranger.pem', stranger.cert.toString('pem')) }),
    );
    expect(error.variable).toBe('PKI_ROOT_CERT_FILE');
  });

  it('accepts an RSA CA key', async () => {
    const keys = await rsaKeys(2048);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: [{ CN: ['RSA CA'] }],
      keys,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    const material = await caFromFiles({
      certFile: file('rsa.pem', cert.toString('pem')),
      keyFile: file('rsa.key', await keyPem(keys)),
    });
    expect(material.issuing.publicKey.algorithm.name).toBe('RSASSA-PKCS1-v1_5');
    const authority = await CertificateAuthority.create(material);
    const leaf = await authority.issue(
      {
        serialNumber: '1a2b',
        practitionerId: 'p-1',
        practitionerName: 'Dr RSA',
        publicUrl: 'http://pathways.test',
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86400_000),
      },
      await x509.PublicKey.create((await ecKeys()).publicKey),
    );
    expect(await authority.signed(leaf)).toBe(true);
  });
});

describe.each(databaseKinds)('a configured CA in the running service on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind, {
      PKI_CA_CERT_FILE: files.certFile,
      PKI_CA_KEY_FILE: files.keyFile,
      PKI_ROOT_CERT_FILE: files.rootCertFile,
    });
  });
  afterAll(() => t.close());

  it('publishes the configured chain and issues from the configured CA', async () => {
    const chain = await t.pathways.app.inject({ method: 'GET', url: '/pki/ca.pem' });
    expect(chain.body).toBe(`${issuing.cert.toString('pem')}\n${root.cert.toString('pem')}\n`);
    const call = caller(t);
    const asRegistrar = await registrar(t);
    const practitioner = (
      await call(asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(freshNumber()))
    ).json();
    const response = await call(
      asRegistrar,
      'POST',
      `/fhir/R4/Practitioner/${practitioner.id}/$issue-certificate`,
      {
        resourceType: 'Parameters',
        parameter: [{ name: 'csr', valueString: await csrPem(await ecKeys()) }],
      },
    );
    expect(response.statusCode, response.body).toBe(200);
    const pem = (response.json() as Parameters).parameter?.find(
      (parameter) => parameter.name === 'certificate',
    )?.valueString;
    const leaf = new x509.X509Certificate(pem!);
    const built = await new x509.X509ChainBuilder({ certificates: [issuing.cert, root.cert] }).build(leaf);
    expect(built).toHaveLength(3);
    expect(await leaf.verify({ publicKey: issuing.cert.publicKey, signatureOnly: true })).toBe(true);
    const rows = await t.pathways.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pki_ca');
    expect(rows.rows[0]?.n).toBe(0);
    const crl = new x509.X509Crl(
      new Uint8Array((await t.pathways.app.inject({ method: 'GET', url: '/pki/crl' })).rawPayload),
    );
    expect(await crl.verify({ publicKey: issuing.cert })).toBe(true);
  });
});
