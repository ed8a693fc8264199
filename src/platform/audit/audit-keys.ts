/**
 * The audit trail's keys, derived from the service secret key (PATHWAYS_SECRET_KEY or
 * DATA_DIR/keys/secret.key), which is never stored in the database: one for the links of every
 * chain, one for the checkpoints of the chain heads kept outside the database.
 */
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { SecretKey } from '../crypto/secret-box.js';

export interface AuditKeys {
  link: KeyObject;
  checkpoint: KeyObject;
}

export function deriveAuditKeys(secretKey: SecretKey): AuditKeys {
  const derive = (purpose: string) =>
    createSecretKey(Buffer.from(hkdfSync('sha256', secretKey, 'pathways', purpose, 32)));
  return { link: derive('audit-chain-link'), checkpoint: derive('audit-chain-checkpoint') };
}
