/**
 * "Break the glass": a staff caller with no relationship to a patient reads anyway, stating why in
 * the `X-Break-Glass-Reason` request header (a header rather than a search parameter, so the reason
 * never ends up in URLs, Bundle links or access logs). The reason is kept in the audit trail and
 * in the `break-glass-access` event the caller's organisation reviews; it must be plain text.
 */
import { invalid } from '../../errors/problem.js';

export const BREAK_GLASS_HEADER = 'x-break-glass-reason';
/** v3-ActReason "break the glass": the AuditEvent purpose of use of such a read. */
export const BREAK_GLASS_PURPOSE = 'BTG';
export const MAX_REASON_LENGTH = 500;

/** Control characters (C0, DEL, C1) or a lone surrogate, which no text store keeps faithfully. */
function unprintable(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return true;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      index++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return true;
  }
  return false;
}

/** The stated reason, or undefined when none was given; a malformed one is a 400 naming the header. */
export function parseBreakGlassReason(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) {
    throw invalid('State one break-the-glass reason, not several', 'X-Break-Glass-Reason');
  }
  const reason = header.trim();
  if (reason === '') throw invalid('The break-the-glass reason is empty: say why', 'X-Break-Glass-Reason');
  if (reason.length > MAX_REASON_LENGTH) {
    throw invalid(
      `The break-the-glass reason is longer than ${MAX_REASON_LENGTH} characters`,
      'X-Break-Glass-Reason',
    );
  }
  if (unprintable(reason)) {
    throw invalid('The break-the-glass reason must be plain text', 'X-Break-Glass-Reason');
  }
  return reason;
}
