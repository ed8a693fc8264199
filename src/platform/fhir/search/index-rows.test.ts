import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';
import { buildIndexRows } from './index-rows.js';
import { parseSearchQuery } from './parse-query.js';
import { escapeLike } from './sql-filters.js';
import { buildCountQuery, buildPageQuery } from './sql-query.js';

describe('buildIndexRows', () => {
  it('indexes an EPS-shaped Task by identifier references and business status', () => {
    const rows = buildIndexRows({
      resourceType: 'Task',
      id: 't1',
      status: 'requested',
      intent: 'order',
      focus: { identifier: { system: 'https://fhir.nhs.uk/Id/prescription-order-number', value: 'RX1' } },
      for: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9449304130' } },
      businessStatus: { coding: [{ system: 'bs', code: '0001' }] },
      authoredOn: '2024-05-01',
    } as { resourceType: string });
    expect(rows.tokens).toEqual(
      expect.arrayContaining([
        { param: 'status', system: null, value: 'requested' },
        { param: 'business-status', system: 'bs', value: '0001' },
      ]),
    );
    expect(rows.references).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ param: 'focus', identifierValue: 'RX1' }),
        expect.objectContaining({ param: 'patient', identifierValue: '9449304130' }),
        expect.objectContaining({ param: 'subject', identifierValue: '9449304130' }),
      ]),
    );
    expect(rows.dates).toEqual([
      { param: 'authored-on', low: Date.UTC(2024, 4, 1), high: Date.UTC(2024, 4, 2) },
    ]);
  });

  it('writes each row once', () => {
    const rows = buildIndexRows({
      resourceType: 'Patient',
      name: [{ family: 'Smith', text: 'Smith' }],
      identifier: [
        { system: 's', value: '1' },
        { system: 's', value: '1' },
      ],
    } as { resourceType: string });
    expect(rows.strings.filter((row) => row.param === 'family')).toHaveLength(1);
    expect(rows.strings.filter((row) => row.param === 'name')).toHaveLength(1);
    expect(rows.tokens.filter((row) => row.param === 'identifier')).toHaveLength(1);
  });

  it('indexes nothing for a type that is not stored', () => {
    expect(buildIndexRows({ resourceType: 'AuditEvent' })).toEqual({
      tokens: [],
      references: [],
      dates: [],
      strings: [],
    });
  });
});

describe('SQL building', () => {
  it('escapes LIKE wildcards', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });

  it('sends every value as a bind parameter', () => {
    const request = parseSearchQuery(
      'Patient',
      new URLSearchParams("family=o'brien&identifier=x|y&_sort=family"),
    );
    const page = buildPageQuery(request);
    expect(page.sql).not.toContain('brien');
    expect(page.params).toEqual(expect.arrayContaining(['Patient', "o'brien%", 'x', 'y', 'family']));
    expect(buildCountQuery(request).sql).toMatch(/^SELECT count\(\*\)/);
  });
});
