import { describe, expect, it } from 'vitest';
import { ODS_SYSTEM, PRESCRIBING_RIGHT_SYSTEM } from '../systems.js';
import {
  combineRights,
  periodCovers,
  type RoleContent,
  type RoleVersion,
  rightsInForce,
  versionInForce,
} from './rights.js';

const at = (iso: string) => new Date(iso);

function role(
  overrides: Partial<RoleContent> = {},
  rights = ['independent', 'controlled-drugs'],
): RoleContent {
  return {
    practitioner: { reference: 'Practitioner/p1' },
    organization: { identifier: { system: ODS_SYSTEM, value: 'A83008' } },
    active: true,
    code: [{ coding: rights.map((code) => ({ system: PRESCRIBING_RIGHT_SYSTEM, code })) }],
    ...overrides,
  };
}

function version(versionId: number, recordedAt: string, content?: RoleContent): RoleVersion {
  return content
    ? { versionId, recordedAt: at(recordedAt), deleted: false, role: content }
    : { versionId, recordedAt: at(recordedAt), deleted: true };
}

describe('versionInForce', () => {
  const versions = [
    version(1, '2025-01-01T00:00:00Z', role()),
    version(2, '2025-02-01T00:00:00Z', role({ active: false })),
  ];

  it('is the latest version recorded at or before the instant', () => {
    expect(versionInForce(versions, at('2025-01-15T00:00:00Z'))?.versionId).toBe(1);
    expect(versionInForce(versions, at('2025-02-01T00:00:00Z'))?.versionId).toBe(2);
    expect(versionInForce(versions, at('2026-01-01T00:00:00Z'))?.versionId).toBe(2);
  });

  it('is none before the role was first recorded', () => {
    expect(versionInForce(versions, at('2024-12-31T23:59:59.999Z'))).toBeUndefined();
  });

  it('does not depend on the order the versions are given in', () => {
    expect(versionInForce([...versions].reverse(), at('2025-03-01T00:00:00Z'))?.versionId).toBe(2);
  });
});

describe('rightsInForce', () => {
  it('grants the rights of an active role without a period, in the register order', () => {
    const versions = [version(1, '2025-01-01T00:00:00Z', role({}, ['controlled-drugs', 'independent']))];
    expect(rightsInForce(versions, at('2025-06-01T00:00:00Z'))).toEqual(['independent', 'controlled-drugs']);
  });

  it('grants nothing before the first version was recorded', () => {
    const versions = [version(1, '2025-01-01T00:00:00Z', role())];
    expect(rightsInForce(versions, at('2024-06-01T00:00:00Z'))).toEqual([]);
  });

  it('treats an absent active as active and active:false as suspended', () => {
    const { active: _omit, ...noActive } = role();
    expect(rightsInForce([version(1, '2025-01-01T00:00:00Z', noActive)], at('2025-02-01T00:00:00Z'))).toEqual(
      ['independent', 'controlled-drugs'],
    );
    expect(
      rightsInForce(
        [version(1, '2025-01-01T00:00:00Z', role({ active: false }))],
        at('2025-02-01T00:00:00Z'),
      ),
    ).toEqual([]);
  });

  it('judges each instant by the version then in force: suspension and reinstatement', () => {
    const versions = [
      version(1, '2025-01-01T00:00:00Z', role()),
      version(2, '2025-03-01T00:00:00Z', role({ active: false })),
      version(3, '2025-05-01T00:00:00Z', role({ active: true }, ['supplementary'])),
    ];
    expect(rightsInForce(versions, at('2025-02-01T00:00:00Z'))).toEqual(['independent', 'controlled-drugs']);
    expect(rightsInForce(versions, at('2025-04-01T00:00:00Z'))).toEqual([]);
    expect(rightsInForce(versions, at('2025-06-01T00:00:00Z'))).toEqual(['supplementary']);
  });

  it('does not let an active:false recorded after the instant reach back', () => {
    const versions = [
      version(1, '2025-01-01T00:00:00Z', role()),
      version(2, '2025-03-01T00:00:00Z', role({ active: false })),
    ];
    expect(rightsInForce(versions, at('2025-02-28T23:59:59Z'))).toEqual(['independent', 'controlled-drugs']);
  });

  it('does not let a deletion recorded after the instant reach back, but a deletion in force removes all', () => {
    const versions = [version(1, '2025-01-01T00:00:00Z', role()), version(2, '2025-03-01T00:00:00Z')];
    expect(rightsInForce(versions, at('2025-02-01T00:00:00Z'))).toEqual(['independent', 'controlled-drugs']);
    expect(rightsInForce(versions, at('2025-03-02T00:00:00Z'))).toEqual([]);
  });

  it('covers the period with its start inclusive and its end exclusive', () => {
    const versions = [
      version(
        1,
        '2025-01-01T00:00:00Z',
        role({ period: { start: '2025-02-01T09:00:00Z', end: '2025-03-01T17:00:00Z' } }),
      ),
    ];
    expect(rightsInForce(versions, at('2025-02-01T08:59:59.999Z'))).toEqual([]);
    expect(rightsInForce(versions, at('2025-02-01T09:00:00Z'))).toHaveLength(2);
    expect(rightsInForce(versions, at('2025-03-01T16:59:59.999Z'))).toHaveLength(2);
    expect(rightsInForce(versions, at('2025-03-01T17:00:00Z'))).toEqual([]);
  });

  it('reads a date without a time as the whole day (FHIR Period), in UTC', () => {
    const versions = [
      version(1, '2025-01-01T00:00:00Z', role({ period: { start: '2025-02-01', end: '2025-02-28' } })),
    ];
    expect(rightsInForce(versions, at('2025-01-31T23:59:59.999Z'))).toEqual([]);
    expect(rightsInForce(versions, at('2025-02-01T00:00:00Z'))).toHaveLength(2);
    expect(rightsInForce(versions, at('2025-02-28T23:59:59.999Z'))).toHaveLength(2);
    expect(rightsInForce(versions, at('2025-03-01T00:00:00Z'))).toEqual([]);
  });

  it('lets a period.end recorded later that is at or before the instant remove the rights', () => {
    const versions = [
      version(1, '2025-01-01T00:00:00Z', role()),
      // recorded in March: "this role really ended on 10 February"
      version(2, '2025-03-01T00:00:00Z', role({ period: { end: '2025-02-10T00:00:00Z' } })),
    ];
    expect(rightsInForce(versions, at('2025-02-09T23:59:59Z'))).toEqual(['independent', 'controlled-drugs']);
    expect(rightsInForce(versions, at('2025-02-10T00:00:00Z'))).toEqual([]);
    expect(rightsInForce(versions, at('2025-02-20T00:00:00Z'))).toEqual([]);
  });

  it('keeps the rights when the end recorded later is after the instant', () => {
    const versions = [
      version(1, '2025-01-01T00:00:00Z', role()),
      version(2, '2025-03-01T00:00:00Z', role({ period: { end: '2025-04-01T00:00:00Z' } })),
    ];
    expect(rightsInForce(versions, at('2025-02-20T00:00:00Z'))).toHaveLength(2);
  });

  it('lets a backwards correction win even when a still later version moved the end forward again', () => {
    const versions = [
      version(1, '2025-01-01T00:00:00Z', role()),
      version(2, '2025-03-01T00:00:00Z', role({ period: { end: '2025-02-10T00:00:00Z' } })),
      version(3, '2025-03-02T00:00:00Z', role({ period: { end: '2025-12-31T00:00:00Z' } })),
    ];
    expect(rightsInForce(versions, at('2025-02-20T00:00:00Z'))).toEqual([]);
  });

  it('only counts the practitioner and organisation asked about', () => {
    const versions = [version(1, '2025-01-01T00:00:00Z', role())];
    const when = at('2025-02-01T00:00:00Z');
    expect(rightsInForce(versions, when, { practitionerId: 'p1', orgOds: 'A83008' })).toHaveLength(2);
    expect(rightsInForce(versions, when, { practitionerId: 'p2' })).toEqual([]);
    expect(rightsInForce(versions, when, { orgOds: 'B12345' })).toEqual([]);
  });

  it('grants nothing for a role without prescribing-right codes, and ignores other code systems', () => {
    const content = role({
      code: [
        {
          coding: [
            { system: 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode', code: 'R8000' },
            { system: 'https://example.org/other', code: 'independent' },
          ],
        },
      ],
    });
    expect(rightsInForce([version(1, '2025-01-01T00:00:00Z', content)], at('2025-02-01T00:00:00Z'))).toEqual(
      [],
    );
  });
});

describe('periodCovers', () => {
  it('is true without a period and false for an unreadable bound', () => {
    expect(periodCovers(undefined, at('2025-01-01T00:00:00Z'))).toBe(true);
    expect(periodCovers({ end: 'soon' }, at('2025-01-01T00:00:00Z'))).toBe(false);
    expect(periodCovers({ start: 'then' }, at('2025-01-01T00:00:00Z'))).toBe(false);
  });

  it('honours time zone offsets', () => {
    // 10:00+01:00 is 09:00Z
    expect(periodCovers({ end: '2025-06-01T10:00:00+01:00' }, at('2025-06-01T08:59:59Z'))).toBe(true);
    expect(periodCovers({ end: '2025-06-01T10:00:00+01:00' }, at('2025-06-01T09:00:00Z'))).toBe(false);
  });
});

describe('combineRights', () => {
  it('unites several roles in the register order without repeats', () => {
    expect(combineRights([['controlled-drugs'], ['supplementary', 'controlled-drugs'], []])).toEqual([
      'supplementary',
      'controlled-drugs',
    ]);
  });
});
