/** Who may change the register (least privilege), in one place. */
import type { AccessPolicy } from '../platform/auth/policy.js';

/** Practitioners, their roles (rights to prescribe) and their certificates: registrars, with MFA. */
export const REGISTRAR: AccessPolicy = { roles: ['registrar'], stepUp: true };

/** The directory around them (organisations, locations, services, medicines): registrars and admins. */
export const DIRECTORY_EDITORS: AccessPolicy = { roles: ['registrar', 'admin'] };

/** Systems (Device): admins. */
export const SYSTEM_EDITORS: AccessPolicy = { roles: ['admin'] };
