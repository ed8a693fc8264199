import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { contactDetailsOf } from './contacts.js';

const now = new Date('2026-07-14T12:00:00Z');
const patient = (extra: Partial<Patient>): Patient => ({ resourceType: 'Patient', id: 'p1', ...extra });

describe('contact details from a Patient', () => {
  it('takes the mobile phone and the email address', () => {
    const found = contactDetailsOf(
      patient({
        telecom: [
          { system: 'phone', use: 'home', value: '01632 960000' },
          { system: 'phone', use: 'mobile', value: ' 07700 900123 ' },
          { system: 'email', value: 'alex@example.com' },
        ],
      }),
      now,
    );
    expect(found).toEqual({ contacts: { mobile: '07700 900123', email: 'alex@example.com' } });
  });

  it('ignores a phone that is not marked mobile', () => {
    const found = contactDetailsOf(
      patient({ telecom: [{ system: 'phone', use: 'work', value: '07700900123' }] }),
      now,
    );
    expect(found).toEqual({ contacts: {} });
  });

  it('prefers the best rank and skips old, ended, future and empty entries', () => {
    const found = contactDetailsOf(
      patient({
        telecom: [
          { system: 'phone', use: 'mobile', value: '07700900001', rank: 3 },
          { system: 'phone', use: 'mobile', value: '07700900002', rank: 1, period: { end: '2026-01-01' } },
          { system: 'phone', use: 'mobile', value: '07700900003', period: { start: '2027-01-01' } },
          { system: 'phone', use: 'mobile', value: '07700900004', rank: 2 },
          { system: 'email', use: 'old', value: 'old@example.com', rank: 1 },
          { system: 'email', value: '' },
          { system: 'email', value: 'current@example.com' },
        ],
      }),
      now,
    );
    expect(found).toEqual({ contacts: { mobile: '07700900004', email: 'current@example.com' } });
  });

  it('points a merged record to the surviving one (HAZ-MERGE)', () => {
    const found = contactDetailsOf(
      patient({
        active: false,
        link: [{ type: 'replaced-by', other: { reference: 'Patient/survivor' } }],
        telecom: [{ system: 'phone', use: 'mobile', value: '07700900123' }],
      }),
      now,
    );
    expect(found).toEqual({ replacedBy: 'Patient/survivor' });
  });

  it('never messages a deceased patient', () => {
    const telecom = [{ system: 'phone' as const, use: 'mobile' as const, value: '07700900123' }];
    expect(contactDetailsOf(patient({ deceasedBoolean: true, telecom }), now)).toEqual({
      unreachable: 'the patient is recorded as deceased',
    });
    expect(contactDetailsOf(patient({ deceasedDateTime: '2026-07-01', telecom }), now)).toMatchObject({
      unreachable: expect.any(String),
    });
    expect(contactDetailsOf(patient({ deceasedBoolean: false, telecom }), now)).toEqual({
      contacts: { mobile: '07700900123' },
    });
  });
});
