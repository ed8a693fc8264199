/**
 * The product's capabilities, in the order they are built (a capability may use services that
 * an earlier one provided). One line each.
 */
import { analyticsCapability } from './analytics/capability.js';
import { dispensingCapability } from './dispensing/capability.js';
import { feedCapability } from './feed/capability.js';
import { hl7Capability } from './hl7/capability.js';
import { notificationsCapability } from './notifications/capability.js';
import type { CapabilityFactory } from './platform/capability.js';
import { portalCapability } from './portal/capability.js';
import { portalWebCapability } from './portal-web/capability.js';
import { prescribingCapability } from './prescribing/capability.js';
import { registerCapability } from './register/capability.js';

export const CAPABILITIES: CapabilityFactory[] = [
  registerCapability,
  prescribingCapability,
  dispensingCapability,
  feedCapability,
  notificationsCapability,
  portalCapability,
  portalWebCapability,
  hl7Capability,
  analyticsCapability,
];
