import { describe, expect, it } from 'vitest';
import { ODS_SYSTEM as AUDIT_ODS_SYSTEM } from '../platform/audit/audit-event.js';
import { ODS_SYSTEM as READ_ACCESS_ODS_SYSTEM } from '../platform/fhir/read-access/organisation-sql.js';
import {
  ODS_CODE as ORDER_ODS_CODE,
  ODS_SYSTEM as ORDER_ODS_SYSTEM,
} from '../prescribing/order/bundle-entries.js';
import { ODS_CODE, ODS_SYSTEM } from './systems.js';

describe('NHS identifier systems', () => {
  it('names ODS organisations by NHS England’s system', () => {
    expect(ODS_SYSTEM).toBe('https://fhir.nhs.uk/Id/ods-organization-code');
  });

  // The kernel imports no part, so it keeps its own copy: this holds the copies to the one here.
  it('is the system the kernel writes in audit agents and matches in staff read relationships', () => {
    expect(AUDIT_ODS_SYSTEM).toBe(ODS_SYSTEM);
    expect(READ_ACCESS_ODS_SYSTEM).toBe(ODS_SYSTEM);
  });

  // The order parser's copy is held the same way until it imports this one.
  it('is the system and code form prescription orders use', () => {
    expect(ORDER_ODS_SYSTEM).toBe(ODS_SYSTEM);
    expect(ORDER_ODS_CODE.source).toBe(ODS_CODE.source);
  });

  it('accepts ODS codes of practices, pharmacies and trusts, and nothing else', () => {
    for (const code of ['A83008', 'FCG71', 'RR8', 'FA565', 'RBA1234567'])
      expect(ODS_CODE.test(code)).toBe(true);
    for (const code of ['', 'R8', 'a83008', 'A83 008', 'A83008-1', 'RBA12345678', 'A83008\n'])
      expect(ODS_CODE.test(code), code).toBe(false);
  });
});
