import { describe, expect, it } from 'vitest';
import { ERROR_CODE_SYSTEM, ERROR_STATUS } from './codes.js';
import { Problem } from './problem.js';

describe('Problem', () => {
  it.each(Object.entries(ERROR_STATUS))('%s carries HTTP %i', (code, status) => {
    const problem = new Problem(code as keyof typeof ERROR_STATUS, 'x');
    expect(problem.status).toBe(status);
    expect(problem.toOperationOutcome().issue[0]?.details?.coding?.[0]).toEqual({
      system: ERROR_CODE_SYSTEM,
      code,
    });
  });

  it('becomes an OperationOutcome with severity, code, diagnostics and expression', () => {
    const outcome = new Problem('INVALID_PATIENT_IDENTIFIER', 'NHS number fails Modulus 11', {
      expression: 'Patient.identifier[0].value',
      more: [
        { code: 'MISSING_VALUE', diagnostics: 'birthDate is required', expression: 'Patient.birthDate' },
      ],
    }).toOperationOutcome();
    expect(outcome).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'value',
          details: { coding: [{ system: ERROR_CODE_SYSTEM, code: 'INVALID_PATIENT_IDENTIFIER' }] },
          diagnostics: 'NHS number fails Modulus 11',
          expression: ['Patient.identifier[0].value'],
        },
        {
          severity: 'error',
          code: 'required',
          details: { coding: [{ system: ERROR_CODE_SYSTEM, code: 'MISSING_VALUE' }] },
          diagnostics: 'birthDate is required',
          expression: ['Patient.birthDate'],
        },
      ],
    });
  });
});
