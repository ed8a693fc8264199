/**
 * What every JSON body must be beyond valid JSON, checked at parse time so that no handler ever
 * sees it otherwise:
 * - nested at most MAX_JSON_DEPTH levels, measured on the text before parsing: a body nested
 *   thousands of levels deep would reach every recursive walk of the request (validation,
 *   reference rewriting, canonicalisation) and exhaust the stack there;
 * - well-formed Unicode: JSON lets a string escape half a surrogate pair (`"\ud800"`), which is no
 *   character at all; RFC 8785 canonicalisation, UTF-8 encoders and the databases each treat it
 *   differently, so it is refused once here (I-JSON, RFC 7493 §2.1, does the same).
 */

/**
 * Deeper than any FHIR resource a client sends (a message Bundle with a contained resource inside
 * an extension is about 15 levels); every JSON body deeper than this is refused.
 */
export const MAX_JSON_DEPTH = 100;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** True when some object or array in `text` is nested more than `max` levels deep. */
export function exceedsJsonDepth(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      depth++;
      if (depth > max) return true;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) depth--;
  }
  return false;
}

/** `\ud800`–`\udfff` as a JSON escape: the only way a lone surrogate gets into a parsed body. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Where in a parsed body a string or a key holds a lone surrogate, as a path from the root
 * (`entry[2].resource.name[0].family`; `$` for the root), or undefined when there is none. `text`
 * is the body the value was parsed from: without a surrogate escape in it there is nothing to find.
 */
export function loneSurrogatePath(value: unknown, text: string): string | undefined {
  return SURROGATE_ESCAPE.test(text) ? findLoneSurrogate(value, '') : undefined;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function isWellFormedUnicode(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return !LONE_SURROGATE.test(text);
}

/** The key as it can be shown: its lone surrogates written as escapes. */
const shown = (key: string) => key.replace(LONE_SURROGATE, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`);

function findLoneSurrogate(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isWellFormedUnicode(value) ? undefined : path || '$';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findLoneSurrogate(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${shown(key)}` : shown(key);
      if (!isWellFormedUnicode(key)) return at;
      const found = findLoneSurrogate(item, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
