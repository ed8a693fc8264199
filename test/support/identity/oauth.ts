/** Helpers for the OAuth suites (not part of the product): a fake directory, cipher, audit sink. */
import Fastify, { type FastifyInstance } from 'fastify';
import type {
  AccountDirectory,
  DirectoryAccount,
  RedeemedCode,
} from '../../../src/identity/oauth/directory.js';
import { type KeyCipher, KeyStore } from '../../../src/identity/oauth/keys.js';
import { oauthRoutes } from '../../../src/identity/oauth/routes.js';
import type { AuditInput } from '../../../src/platform/audit/audit-event.js';
import type { Database } from '../../../src/platform/database/database.js';
import { Problem } from '../../../src/platform/errors/problem.js';
import { registerErrorHandling } from '../../../src/platform/http/errors.js';
import { registerJsonParsers } from '../../../src/platform/http/fhir-json.js';

export const PUBLIC_URL = 'http://pathways.test';

/** Reversible but not clear text, so a test can tell the private key was sealed. */
export const testCipher: KeyCipher = {
  encrypt: (plain) => `sealed:${Buffer.from(plain).toString('base64')}`,
  decrypt: (sealed) => Buffer.from(sealed.replace(/^sealed:/, ''), 'base64').toString(),
};

export class FakeDirectory implements AccountDirectory {
  readonly accounts = new Map<string, DirectoryAccount>();
  private readonly codes = new Map<string, RedeemedCode & { verifier: string }>();

  async getAccount(_tx: unknown, id: string) {
    return this.accounts.get(id);
  }

  private readonly used = new Map<string, string>();

  /** Like the sign-in module: a used code again throws a Problem naming the code and account. */
  async redeemCode(_tx: unknown, input: { code: string; codeVerifier: string }) {
    const accountId = this.used.get(input.code);
    if (accountId) {
      throw Object.assign(new Problem('INVALID_VALUE', 'The authorization code is already used'), {
        reason: 'reused',
        codeId: input.code,
        accountId,
      });
    }
    const entry = this.codes.get(input.code);
    this.codes.delete(input.code);
    if (!entry) return undefined;
    this.used.set(input.code, entry.accountId);
    if (entry.verifier !== input.codeVerifier) return undefined;
    return { codeId: input.code, accountId: entry.accountId, amr: entry.amr, authTime: entry.authTime };
  }

  /** An account and a fresh code for it (verifier `v-<code>`). */
  issueCode(account: DirectoryAccount, amr = ['pwd', 'otp'], authTime = Math.floor(Date.now() / 1000)) {
    this.accounts.set(account.id, account);
    const code = `code-${Math.random().toString(36).slice(2)}`;
    this.codes.set(code, { accountId: account.id, amr, authTime, verifier: `v-${code}` });
    return { code, verifier: `v-${code}` };
  }
}

export class MemoryAudit {
  readonly records: AuditInput[] = [];
  async record(input: AuditInput) {
    this.records.push(input);
  }
}

/** A bare fastify with the shell's JSON-only parsers and errors, plus the OAuth routes. */
export async function oauthTestApp(db: Database, options: { now?: () => number } = {}) {
  const directory = new FakeDirectory();
  const audit = new MemoryAudit();
  const keys = new KeyStore({ db, cipher: testCipher, ...(options.now ? { now: options.now } : {}) });
  await keys.ensureActiveKey();
  const app: FastifyInstance = Fastify();
  registerErrorHandling(app);
  registerJsonParsers(app);
  await app.register(oauthRoutes, { db, config: { publicUrl: `${PUBLIC_URL}/` }, directory, audit, keys });
  await app.ready();
  const token = (form: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
  return { app, directory, audit, keys, token };
}
