/**
 * The register's own settings, read from the environment with the platform's helpers so that a
 * bad value stops the start with one ConfigError line naming the variable.
 */
import path from 'node:path';
import { ConfigError, type Env, integer, text } from '../platform/config/config.js';

export interface RegisterSettings {
  /** Issuing CA from files (all replicas read the same files); undefined = generated and stored. */
  caFiles?: { certFile: string; keyFile: string; rootCertFile?: string };
  /** Validity of the prescriber certificates issued (days). */
  certificateValidityDays: number;
  /** How long a CRL is valid (hours); it is re-signed when half of that has passed. */
  crlValidityHours: number;
}

export function registerSettings(env: Env): RegisterSettings {
  const certFile = text(env, 'PKI_CA_CERT_FILE');
  const keyFile = text(env, 'PKI_CA_KEY_FILE');
  const rootCertFile = text(env, 'PKI_ROOT_CERT_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const absent = certFile === undefined ? 'PKI_CA_CERT_FILE' : 'PKI_CA_KEY_FILE';
    throw new ConfigError(absent, 'PKI_CA_CERT_FILE and PKI_CA_KEY_FILE must be set together');
  }
  if (rootCertFile !== undefined && certFile === undefined) {
    throw new ConfigError(
      'PKI_ROOT_CERT_FILE',
      'needs PKI_CA_CERT_FILE and PKI_CA_KEY_FILE (the issuing CA)',
    );
  }
  return {
    ...(certFile && keyFile
      ? {
          caFiles: {
            certFile: path.resolve(certFile),
            keyFile: path.resolve(keyFile),
            ...(rootCertFile ? { rootCertFile: path.resolve(rootCertFile) } : {}),
          },
        }
      : {}),
    certificateValidityDays: integer(env, 'PKI_CERT_VALIDITY_DAYS', 730, 1, 3650),
    crlValidityHours: integer(env, 'PKI_CRL_VALIDITY_HOURS', 24, 1, 24 * 31),
  };
}
