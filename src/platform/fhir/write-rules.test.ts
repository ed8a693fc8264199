import { describe, expect, it } from 'vitest';
import { Problem } from '../errors/problem.js';
import { ResourceRules } from './resource-rules.js';
import { assertConsistent, NOBODY, parseChecked, policyOf, type WriteRules } from './write-rules.js';

const plain: WriteRules = { write: { roles: ['admin'] }, audit: 'patient-data', inTransactionBundle: true };

describe('write rules', () => {
  it('gives an undeclared type to nobody, and a delete the write policy unless declared', () => {
    expect(policyOf(undefined, 'create')).toBe(NOBODY);
    expect(policyOf(plain, 'delete')).toEqual({ roles: ['admin'] });
    expect(policyOf({ ...plain, delete: { roles: [] } }, 'delete')).toEqual({ roles: [] });
    expect(policyOf({ ...plain, delete: { roles: [] } }, 'update')).toEqual({ roles: ['admin'] });
  });

  it('refuses a type in transaction Bundles whose rules a transaction would skip', () => {
    expect(() => assertConsistent('Slot', plain)).not.toThrow();
    const hooked = { ...plain, afterWrite: async () => {} };
    expect(() => assertConsistent('Appointment', hooked)).toThrow(/transaction Bundles/);
    expect(() => assertConsistent('Practitioner', { ...plain, audit: 'always' })).toThrow(/transaction/);
    expect(() => assertConsistent('Practitioner', { ...plain, check: () => {} })).toThrow(/transaction/);
    expect(() => assertConsistent('Appointment', { ...hooked, inTransactionBundle: false })).not.toThrow();
    expect(() => new ResourceRules().declare('Appointment', hooked)).toThrow(/transaction Bundles/);
  });

  it('parses with R4 validation by default, then runs the pure checks', () => {
    expect(() => parseChecked(plain, { resourceType: 'Slot' })).toThrow(Problem);
    const refused = new Problem('INVALID_VALUE', 'no');
    const checked: WriteRules = {
      ...plain,
      parse: (body) => body as never,
      check: () => {
        throw refused;
      },
    };
    expect(() => parseChecked(checked, { resourceType: 'Slot' })).toThrow(refused);
  });

  it('keeps one declaration per type', () => {
    const rules = new ResourceRules();
    rules.declare('Slot', plain);
    expect(rules.writeRules('Slot')).toBe(plain);
    expect(() => rules.declare('Slot', plain)).toThrow(/already declared/);
    expect(rules.writeRules('Claim')).toBeUndefined();
  });
});
