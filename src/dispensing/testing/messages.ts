/** Moved to ../examples/messages.ts (the demo uses it too); kept for test imports. */
export * from '../examples/messages.js';
