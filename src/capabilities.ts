/**
 * The product's capabilities, in the order they are built (a capability may use services that
 * an earlier one provided). One line each.
 */
import type { CapabilityFactory } from './platform/capability.js';

export const CAPABILITIES: CapabilityFactory[] = [];
