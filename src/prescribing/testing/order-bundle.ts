/** Moved to ../examples/order-bundle.ts (the demo uses it too); kept for test imports. */
export * from '../examples/order-bundle.js';
