/**
 * Just enough of RFC 8941 (Structured Fields) to pick one member out of a dictionary header such
 * as Signature-Input or Signature: the members split at top-level commas, where commas inside
 * quoted strings, byte sequences and inner lists do not count. The values are returned verbatim
 * (parsing them is http-message-signatures' job), so a verifier can hand on exactly one labelled
 * signature and ignore the others a proxy may have added.
 */

/** The raw text of each member, by key; undefined when the header is not a well-formed dictionary. */
export function dictionaryMembers(header: string): Map<string, string> | undefined {
  const members = new Map<string, string>();
  for (const member of splitTopLevel(header)) {
    const text = member.trim();
    const match = /^([a-z*][a-z0-9_.*-]*)(=|;|$)/.exec(text);
    if (!match) return undefined;
    members.set(match[1]!, text);
  }
  return members;
}

/** The member `label` of a dictionary header, verbatim (`label=...`), or undefined. */
export function dictionaryMember(header: string | undefined, label: string): string | undefined {
  if (header === undefined) return undefined;
  return dictionaryMembers(header)?.get(label);
}

function splitTopLevel(header: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let bytes = false;
  let depth = 0;
  for (let i = 0; i < header.length; i++) {
    const char = header[i]!;
    if (quoted) {
      current += char;
      if (char === '\\' && i + 1 < header.length) current += header[++i];
      else if (char === '"') quoted = false;
      continue;
    }
    if (bytes) {
      current += char;
      if (char === ':') bytes = false;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === ':') bytes = true;
    else if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.filter((part) => part.trim() !== '');
}
