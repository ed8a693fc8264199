import { describe, expect, it } from 'vitest';
import { escapeHl7, unescapeHl7 } from './escape.js';

describe('HL7 escapes', () => {
  it('expands the delimiter escapes, hex and line breaks', () => {
    expect(unescapeHl7('Smith\\T\\Jones \\F\\ A\\S\\B\\R\\C\\E\\')).toBe('Smith&Jones | A^B~C\\');
    expect(unescapeHl7('line one\\.br\\line two')).toBe('line one\nline two');
    expect(unescapeHl7('\\X41\\\\H\\bold\\N\\')).toBe('Abold');
  });

  it('leaves text without escapes, and an unterminated escape, as written', () => {
    expect(unescapeHl7('plain')).toBe('plain');
    expect(unescapeHl7('half \\F')).toBe('half \\F');
  });

  it('escapes what it unescapes', () => {
    const text = 'A|B^C&D~E\\F\rG';
    expect(unescapeHl7(escapeHl7(text))).toBe('A|B^C&D~E\\F\nG');
  });
});
