/**
 * A refused call, in words for the person using the portal. The server's refusals are
 * OperationOutcomes (or OAuth errors from the token endpoint) whose diagnostics are written for
 * people; statuses without a useful message get the NHS service manual's standard wording.
 */

export interface Problem {
  status: number;
  /** The contract's code (issue.details.coding[0].code), e.g. ACCOUNT_LOCKED. */
  code: string | undefined;
  message: string;
  /** FHIRPath or field names the server blamed, e.g. ['email']. */
  expression: string[];
  /** Seconds, from Retry-After. */
  retryAfterS: number | undefined;
}

interface OutcomeIssue {
  diagnostics?: unknown;
  expression?: unknown;
  details?: { coding?: Array<{ code?: unknown }>; text?: unknown };
}

export const SERVICE_PROBLEM = 'Sorry, there is a problem with the service. Try again later.';

function minutes(seconds: number): string {
  const count = Math.max(1, Math.ceil(seconds / 60));
  return count === 1 ? '1 minute' : `${count} minutes`;
}

function standardMessage(status: number, retryAfterS: number | undefined): string | undefined {
  if (status === 423) {
    return retryAfterS !== undefined
      ? `Your account is locked because of too many wrong attempts. Try again in ${minutes(retryAfterS)}.`
      : 'Your account is locked. Contact the service desk to unlock it.';
  }
  if (status === 429) {
    return retryAfterS !== undefined
      ? `You have tried too many times. Wait ${minutes(retryAfterS)} and try again.`
      : 'You have tried too many times. Wait a few minutes and try again.';
  }
  if (status >= 500 || status === 0) return SERVICE_PROBLEM;
  return undefined;
}

export function retryAfterOf(header: string | null): number | undefined {
  if (header === null || !/^\d{1,7}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

export function problemOf(status: number, body: unknown, retryAfter: string | null = null): Problem {
  const retryAfterS = retryAfterOf(retryAfter);
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  let code: string | undefined;
  let diagnostics: string | undefined;
  let expression: string[] = [];
  if (record.resourceType === 'OperationOutcome' && Array.isArray(record.issue)) {
    const issue = (record.issue[0] ?? {}) as OutcomeIssue;
    const coded = issue.details?.coding?.[0]?.code;
    code = typeof coded === 'string' ? coded : undefined;
    if (typeof issue.diagnostics === 'string') diagnostics = issue.diagnostics;
    else if (typeof issue.details?.text === 'string') diagnostics = issue.details.text;
    if (Array.isArray(issue.expression)) {
      expression = issue.expression.filter((item): item is string => typeof item === 'string');
    }
  } else if (typeof record.error === 'string') {
    code = record.error;
    if (typeof record.error_description === 'string') diagnostics = record.error_description;
  }
  // Locks, limits and outages read the same whatever the server said; a server error's text is
  // for its operators, not for patients.
  const message = standardMessage(status, retryAfterS) ?? diagnostics ?? SERVICE_PROBLEM;
  return { status, code, message: sentence(message), expression, retryAfterS };
}

/** Diagnostics start with a capital and end with a full stop, like the rest of the page. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return SERVICE_PROBLEM;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
}

/** The form field a refusal is about, when the server named one of the given fields. */
export function fieldOf(problem: Problem, fields: readonly string[]): string | undefined {
  for (const expression of problem.expression) {
    const last = expression.split('.').pop() ?? expression;
    const found = fields.find((field) => field === expression || field === last);
    if (found) return found;
  }
  return undefined;
}
