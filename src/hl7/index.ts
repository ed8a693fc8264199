/** What other parts may use of the hospital feed: its service and the service's type. */
export type { Hl7Service } from './capability.js';
export { HL7_SERVICE } from './services.js';
