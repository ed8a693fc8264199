/**
 * HL7 v2 escape sequences in text fields (v2.5 §2.7): the parser we use splits on delimiters and
 * leaves escapes as written, so values are unescaped here before they reach a resource.
 */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const STANDARD_DELIMITERS: Delimiters = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
};

function hexText(hex: string): string {
  if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) return '';
  return Buffer.from(hex, 'hex').toString('latin1');
}

export function unescapeHl7(value: string, delimiters: Delimiters = STANDARD_DELIMITERS): string {
  const e = delimiters.escape;
  if (!e || !value.includes(e)) return value;
  let out = '';
  let index = 0;
  while (index < value.length) {
    const start = value.indexOf(e, index);
    if (start < 0) {
      out += value.slice(index);
      break;
    }
    const end = value.indexOf(e, start + 1);
    if (end < 0) {
      out += value.slice(index);
      break;
    }
    out += value.slice(index, start);
    const code = value.slice(start + 1, end);
    out += expand(code, delimiters);
    index = end + 1;
  }
  return out;
}

function expand(code: string, d: Delimiters): string {
  switch (code) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent;
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape;
    case '.br':
      return '\n';
    case 'H':
    case 'N':
      return '';
    default:
      if (code.startsWith('X')) return hexText(code.slice(1));
      // Formatting commands (.sp, .in, …) and unknown escapes carry no text.
      return '';
  }
}

export function escapeHl7(value: string, d: Delimiters = STANDARD_DELIMITERS): string {
  let out = '';
  for (const ch of value) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch === '\r' || ch === '\n') out += `${d.escape}.br${d.escape}`;
    else out += ch;
  }
  return out;
}
