/** The service the hospital feed provides (the CLI and tests drive its processor), by typed key. */
import { defineService } from '../platform/capability.js';
import type { Hl7Service } from './capability.js';

export const HL7_SERVICE = defineService<Hl7Service>('hl7');
