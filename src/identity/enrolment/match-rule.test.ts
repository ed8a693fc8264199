import { describe, expect, it } from 'vitest';
import type { DemographicsRecord } from './demographics.js';
import { foldName, judgeMatch } from './match-rule.js';

describe('the enrolment match rule', () => {
  const record: DemographicsRecord = {
    patient: 'Patient/1',
    family: 'Núñez-Ó Briain',
    birthDate: '1990-07-29',
    postcode: 'YO1 7HH',
    deceased: false,
    merged: false,
  };
  const claim = { family: 'nunez-o briain', birthDate: '1990-07-29', postcode: 'YO1 7HH' };

  it('folds case, accents, curly apostrophes and spacing, and nothing else', () => {
    expect(foldName('  Jérôme   O’Brien ')).toBe("jerome o'brien");
    expect(foldName('ÅSTRÖM')).toBe('astrom');
    expect(foldName('Smith-Jones')).not.toBe(foldName('Smith Jones'));
    expect(foldName("O'Neill")).not.toBe(foldName('ONeill'));
  });

  it('matches surname (folded), birth date (exact) and postcode', () => {
    expect(judgeMatch(claim, record)).toEqual({ matched: true });
    expect(judgeMatch({ ...claim, family: 'NÚÑEZ-Ó BRIAIN' }, record)).toEqual({ matched: true });
  });

  it('says which detail failed, for the audit trail', () => {
    expect(judgeMatch(claim, undefined)).toEqual({ matched: false, reason: 'no record' });
    expect(judgeMatch({ ...claim, family: 'Nunez' }, record)).toEqual({ matched: false, reason: 'surname' });
    expect(judgeMatch({ ...claim, birthDate: '1990-07-30' }, record)).toEqual({
      matched: false,
      reason: 'birth date',
    });
    expect(judgeMatch({ ...claim, postcode: 'YO1 7HJ' }, record)).toEqual({
      matched: false,
      reason: 'postcode',
    });
    expect(judgeMatch(claim, { ...record, family: undefined })).toMatchObject({ reason: 'surname' });
    expect(judgeMatch(claim, { ...record, birthDate: undefined })).toMatchObject({ reason: 'birth date' });
    expect(judgeMatch(claim, { ...record, postcode: undefined })).toMatchObject({ reason: 'postcode' });
  });

  it('never matches a deceased or merged record, even with every detail right', () => {
    expect(judgeMatch(claim, { ...record, deceased: true })).toEqual({ matched: false, reason: 'deceased' });
    expect(judgeMatch(claim, { ...record, merged: true })).toEqual({ matched: false, reason: 'merged' });
    expect(judgeMatch(claim, { ...record, merged: true, deceased: true })).toMatchObject({ matched: false });
  });
});
