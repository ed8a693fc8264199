import { describe, expect, it } from 'vitest';
import { dictionaryMember, dictionaryMembers } from './sf-dictionary.js';

describe('structured-field dictionary members', () => {
  it('splits at top-level commas only (not inside strings, byte sequences or inner lists)', () => {
    const header =
      'sig1=("@method" "@target-uri");created=1;keyid="a,b";alg="x", proxy=("a" "b,c");tag="t\\",u", sig2=:YWJj,ZA==:';
    const members = dictionaryMembers(header);
    expect([...(members?.keys() ?? [])]).toEqual(['sig1', 'proxy', 'sig2']);
    expect(members?.get('sig1')).toBe('sig1=("@method" "@target-uri");created=1;keyid="a,b";alg="x"');
    expect(members?.get('proxy')).toBe('proxy=("a" "b,c");tag="t\\",u"');
    expect(members?.get('sig2')).toBe('sig2=:YWJj,ZA==:');
  });

  it('finds one member by label, or nothing', () => {
    expect(dictionaryMember('a=1, b=2', 'b')).toBe('b=2');
    expect(dictionaryMember('a=1', 'sig1')).toBeUndefined();
    expect(dictionaryMember(undefined, 'sig1')).toBeUndefined();
  });

  it('refuses text that is not a dictionary', () => {
    expect(dictionaryMembers('Sig1=x')).toBeUndefined();
    expect(dictionaryMembers('=x')).toBeUndefined();
    expect(dictionaryMember('not a dictionary!', 'sig1')).toBeUndefined();
  });
});
