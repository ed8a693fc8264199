/** The services the register provides to other capabilities, by typed key. */
import { defineService } from '../platform/capability.js';
import type { PkiService } from './capability.js';
import type { RemoteKeys } from './pki/remote-keys.js';
import type { RegisterService } from './register-service.js';

export const REGISTER_SERVICE = defineService<RegisterService>('register');
export const PKI_SERVICE = defineService<PkiService>('pki');
export const REMOTE_KEYS_SERVICE = defineService<RemoteKeys>('remote-keys');
