/**
 * Notify API keys: `{key_name}-{iss uuid}-{secret uuid}`. The client signs an HS256 JWT with the
 * secret and puts the service id in `iss`; the key itself never travels.
 */
import { randomUUID } from 'node:crypto';

export interface ApiKey {
  keyName: string;
  serviceId: string;
  secret: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^(.+)-(${UUID})-(${UUID})$`, 'i');

export function parseApiKey(key: string): ApiKey | undefined {
  const match = KEY.exec(key.trim());
  if (!match) return undefined;
  return { keyName: match[1]!, serviceId: match[2]!.toLowerCase(), secret: match[3]!.toLowerCase() };
}

export function formatApiKey(key: ApiKey): string {
  return `${key.keyName}-${key.serviceId}-${key.secret}`;
}

export function newApiKey(keyName = 'pathways_fake_notify'): ApiKey {
  return { keyName, serviceId: randomUUID(), secret: randomUUID() };
}
