/**
 * Collects the problems found in one walk over a resource, with the FHIRPath of each element.
 * The path is kept as a stack of segments and only turned into a string when an issue is
 * recorded, so a valid resource costs no string building.
 */
import type { ErrorCode } from '../../errors/codes.js';
import { Problem, type ProblemIssue } from '../../errors/problem.js';

/** Enough to fix a request; a pathological body must not produce a megabyte of OperationOutcome. */
const MAX_ISSUES = 50;

export class IssueCollector {
  private readonly found: ProblemIssue[] = [];
  private dropped = 0;
  /** Element names (strings) and array indexes (numbers) from the root resource down. */
  readonly path: (string | number)[];

  constructor(rootName: string) {
    this.path = [rootName];
  }

  /** Every problem recorded, including those beyond the listing cap. */
  get count(): number {
    return this.found.length + this.dropped;
  }

  /** Records a problem with the element at the current path (plus an optional child name). */
  add(code: ErrorCode, message: string, childName?: string): void {
    if (this.found.length >= MAX_ISSUES) {
      this.dropped++;
      return;
    }
    const expression = childName === undefined ? this.expression() : `${this.expression()}.${childName}`;
    this.found.push({ code, diagnostics: `${expression}: ${message}`, expression });
  }

  /** The current path as FHIRPath: `Bundle.entry[0].resource.name[1].given`. */
  expression(): string {
    let text = '';
    for (const segment of this.path) {
      if (typeof segment === 'number') text += `[${segment}]`;
      else text += text === '' ? segment : `.${segment}`;
    }
    return text;
  }

  issues(): ProblemIssue[] {
    if (this.dropped === 0) return this.found;
    const note = `${this.dropped} further problems are not listed`;
    return [...this.found, { code: 'INVALID_VALUE', diagnostics: note }];
  }
}

/** One Problem carrying every issue: the first as its headline, the rest in `more`. */
export function problemFromIssues(issues: readonly ProblemIssue[]): Problem | undefined {
  const [first, ...rest] = issues;
  if (!first) return undefined;
  return new Problem(first.code, first.diagnostics, {
    ...(first.expression ? { expression: first.expression } : {}),
    more: rest,
  });
}
