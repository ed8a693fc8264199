import { describe, expect, it } from 'vitest';
import { patientName } from './patient-name.js';

describe('the name staff read back to a patient', () => {
  it('is the current usual name, else the official one, else any current one', () => {
    expect(
      patientName({
        name: [
          { use: 'old', family: 'Smith', given: ['Alex'] },
          { use: 'official', family: 'Hughes', given: ['Alexandra', 'Jane'] },
          { use: 'usual', family: 'Hughes', given: ['Alex'] },
        ],
      }),
    ).toBe('Alex Hughes');
    expect(patientName({ name: [{ use: 'official', family: 'Hughes', given: ['Alexandra', 'Jane'] }] })).toBe(
      'Alexandra Jane Hughes',
    );
    expect(
      patientName({ name: [{ family: 'Old', period: { end: '2020-01-01' } }, { text: 'Sam Okafor' }] }),
    ).toBe('Sam Okafor');
    expect(patientName({ name: [{ family: 'Old', use: 'old' }] })).toBeUndefined();
    expect(patientName({})).toBeUndefined();
  });
});
