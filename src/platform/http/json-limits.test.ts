import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, isWellFormedUnicode, loneSurrogatePath, MAX_JSON_DEPTH } from './json-limits.js';

const nested = (levels: number, open = '{"a":', close = '}') =>
  `${open.repeat(levels)}1${close.repeat(levels)}`;

describe('exceedsJsonDepth', () => {
  it('accepts flat and moderately nested documents', () => {
    expect(exceedsJsonDepth('1')).toBe(false);
    expect(exceedsJsonDepth('{"resourceType":"Patient","name":[{"given":["A"]}]}')).toBe(false);
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH))).toBe(false);
  });

  it('refuses objects and arrays nested one level past the limit', () => {
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1, '[', ']'))).toBe(true);
    expect(exceedsJsonDepth(nested(5000, '{"a":[', ']}'))).toBe(true);
    expect(exceedsJsonDepth(nested(3), 2)).toBe(true);
    expect(exceedsJsonDepth(nested(2), 2)).toBe(false);
  });

  it('counts brackets inside strings, escaped quotes included, as text', () => {
    const brackets = '['.repeat(MAX_JSON_DEPTH * 2);
    expect(exceedsJsonDepth(JSON.stringify({ text: brackets }))).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ text: `\\"${brackets}"\\` }))).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ text: '\\' }) + nested(3), 3)).toBe(false);
  });

  it('measures siblings independently: depth, not the number of brackets', () => {
    const wide = JSON.stringify({ items: Array.from({ length: 500 }, () => ({ a: [{ b: 1 }] })) });
    expect(exceedsJsonDepth(wide, 5)).toBe(false);
  });
});

describe('loneSurrogatePath', () => {
  const find = (text: string) => loneSurrogatePath(JSON.parse(text), text);

  it('finds a lone high or low surrogate in a string and names where it is', () => {
    expect(find('{"name":[{"family":"x\\ud800"}]}')).toBe('name[0].family');
    expect(find('{"a":"\\udc00x"}')).toBe('a');
    expect(find('{"a":"\\ud83d"}')).toBe('a');
    expect(find('["ok","\\uDBFF"]')).toBe('[1]');
    expect(find('"\\ud800"')).toBe('$');
  });

  it('finds one in a key, written as an escape', () => {
    expect(find('{"entry":[{"x\\ud800":1}]}')).toBe('entry[0].x\\ud800');
  });

  it('accepts surrogate pairs, escaped or not, and text that only looks like an escape', () => {
    expect(find('{"a":"\\ud83d\\ude00","b":"😀"}')).toBeUndefined();
    expect(find('{"a":"\\\\ud800"}')).toBeUndefined();
    expect(find('{"a":"plain"}')).toBeUndefined();
  });

  it('agrees with the definition of well-formed UTF-16', () => {
    expect(isWellFormedUnicode('a\ud83d\ude00b')).toBe(true);
    expect(isWellFormedUnicode('\ude00\ud83d')).toBe(false);
    expect(isWellFormedUnicode('\ud83d\ud83d\ude00')).toBe(false);
    expect(isWellFormedUnicode('')).toBe(true);
  });
});
