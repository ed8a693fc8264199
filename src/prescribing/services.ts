/** The service prescribing provides to other capabilities, by typed key. */
import { defineService } from '../platform/capability.js';
import type { PrescribingService } from './capability.js';

export const PRESCRIBING_SERVICE = defineService<PrescribingService>('prescribing');
