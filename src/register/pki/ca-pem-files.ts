/**
 * The CA certificates (public) written into DATA_DIR/pki/ for operators: `issuing-ca.pem`,
 * `root-ca.pem` and `ca.pem` (both, as served at /pki/ca.pem). Written aside and renamed, so a
 * reader never sees half a file; a failure to write is logged, never fatal (the API serves them).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../platform/logging/logger.js';
import type { CertificateAuthority } from './authority.js';

export function writeCaPemFiles(
  dataDir: string,
  authority: CertificateAuthority,
  log: Logger,
): string | undefined {
  const dir = path.join(dataDir, 'pki');
  try {
    mkdirSync(dir, { recursive: true });
    writeIfChanged(path.join(dir, 'issuing-ca.pem'), authority.issuingPem());
    if (authority.root) writeIfChanged(path.join(dir, 'root-ca.pem'), `${authority.root.toString('pem')}\n`);
    writeIfChanged(path.join(dir, 'ca.pem'), authority.chainPem());
    return dir;
  } catch (error) {
    log.warn({ err: error, dir }, 'could not write the CA certificates to DATA_DIR/pki');
    return undefined;
  }
}

export function writeIfChanged(file: string, content: string, mode = 0o644): void {
  try {
    if (readFileSync(file, 'utf8') === content) return;
  } catch {
    // not there yet
  }
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, content, { mode });
  renameSync(aside, file);
}
