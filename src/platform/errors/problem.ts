/**
 * The one error type of the product. Anything thrown inside a request that is a Problem becomes
 * its OperationOutcome at the HTTP edge; anything else becomes a generic 500 without details.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ERROR_CODE_SYSTEM, ERROR_STATUS, type ErrorCode, ISSUE_TYPE } from './codes.js';

export interface ProblemIssue {
  code: ErrorCode;
  diagnostics: string;
  /** FHIRPath of the element at fault, when the error is about one element. */
  expression?: string;
  severity?: 'fatal' | 'error' | 'warning';
}

export class Problem extends Error {
  readonly status: number;
  readonly issues: ProblemIssue[];
  /** Extra response headers (Retry-After, WWW-Authenticate, …). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, diagnostics: string, options: ProblemOptions = {}) {
    super(`${code}: ${diagnostics}`);
    this.name = 'Problem';
    this.status = options.status ?? ERROR_STATUS[code];
    this.issues = [
      { code, diagnostics, ...(options.expression ? { expression: options.expression } : {}) },
      ...(options.more ?? []),
    ];
    this.headers = options.headers ?? {};
  }

  get code(): ErrorCode {
    return this.issues[0]!.code;
  }

  toOperationOutcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export interface ProblemOptions {
  expression?: string;
  status?: number;
  headers?: Record<string, string>;
  more?: ProblemIssue[];
}

export function operationOutcome(issues: ProblemIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map(
      (issue): OperationOutcomeIssue => ({
        severity: issue.severity ?? 'error',
        code: ISSUE_TYPE[issue.code] as OperationOutcomeIssue['code'],
        details: { coding: [{ system: ERROR_CODE_SYSTEM, code: issue.code }] },
        diagnostics: issue.diagnostics,
        ...(issue.expression ? { expression: [issue.expression] } : {}),
      }),
    ),
  };
}

export function informational(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics }],
  };
}

export const invalid = (diagnostics: string, expression?: string): Problem =>
  new Problem('INVALID_VALUE', diagnostics, expression ? { expression } : {});
export const missing = (diagnostics: string, expression?: string): Problem =>
  new Problem('MISSING_VALUE', diagnostics, expression ? { expression } : {});
export const notFound = (diagnostics: string): Problem => new Problem('NOT_FOUND', diagnostics);
export const forbidden = (diagnostics: string): Problem => new Problem('FORBIDDEN', diagnostics);
