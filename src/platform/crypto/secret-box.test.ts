import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.js';
import { decryptSecret, encryptSecret, loadSecretKey, SecretBoxError } from './secret-box.js';

const key = randomBytes(32);

describe('secret box', () => {
  it('round-trips and uses a fresh IV each time', () => {
    const a = encryptSecret(key, 'JBSWY3DPEHPK3PXP', 'account:1:totp');
    const b = encryptSecret(key, 'JBSWY3DPEHPK3PXP', 'account:1:totp');
    expect(a).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(a).not.toBe(b);
    expect(decryptSecret(key, a, 'account:1:totp').toString()).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses altered ciphertext, another key, other associated data and unknown versions', () => {
    const sealed = encryptSecret(key, 'secret', 'a');
    const [v, iv, tag, body] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptSecret(key, [v, iv, tag, flipped.toString('base64url')].join(':'), 'a')).toThrow(
      SecretBoxError,
    );
    expect(() => decryptSecret(randomBytes(32), sealed, 'a')).toThrow(SecretBoxError);
    expect(() => decryptSecret(key, sealed, 'b')).toThrow(SecretBoxError);
    expect(() => decryptSecret(key, sealed.replace(/^v1/, 'v9'), 'a')).toThrow(/format/);
    expect(() => decryptSecret(key, 'v1:x:y', 'a')).toThrow(SecretBoxError);
  });

  describe('loadSecretKey', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-secret-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('generates a 0600 key file once and reads it back', () => {
      const first = loadSecretKey({ dataDir, env: {} });
      const file = path.join(dataDir, 'keys', 'secret.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadSecretKey({ dataDir, env: {} }).equals(first)).toBe(true);
      expect(first).toHaveLength(32);
    });

    it('prefers PATHWAYS_SECRET_KEY and rejects a key of the wrong size', () => {
      const env = { PATHWAYS_SECRET_KEY: key.toString('base64') };
      expect(loadSecretKey({ dataDir, env }).equals(key)).toBe(true);
      const short = { PATHWAYS_SECRET_KEY: randomBytes(16).toString('base64') };
      expect(() => loadSecretKey({ dataDir, env: short })).toThrow(ConfigError);
    });
  });
});
