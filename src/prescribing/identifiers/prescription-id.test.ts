import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restoreUnencodedPlus } from '../../platform/fhir/search/parse-values.js';
import {
  CHECK_ALPHABET,
  checkCharacter,
  generateShortFormId,
  isLongFormId,
  isValidShortFormId,
  shortFormIdProblem,
} from './prescription-id.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+';
const HEX = '0123456789ABCDEF';
const ALPHANUMERIC = ALPHABET.slice(0, 36);

/**
 * ISO/IEC 7064 MOD 37-2 as the standard states it, independently of the implementation: with
 * weight 2^(n − i) on character i of the n data characters and weight 1 on the check character,
 * the whole weighted sum is ≡ 1 (mod 37). Exact big integers, no running remainder.
 */
function oracleValid(eighteen: string): boolean {
  let sum = 0n;
  for (let i = 0; i < 17; i++) sum += BigInt(ALPHABET.indexOf(eighteen[i]!)) * 2n ** BigInt(17 - i);
  sum += BigInt(ALPHABET.indexOf(eighteen[17]!));
  return sum % 37n === 1n;
}

function oracleCheckCharacter(seventeen: string): string {
  const found = [...ALPHABET].filter((c) => oracleValid(seventeen + c));
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The 18 characters an ID's check covers, and back. */
const strip = (id: string) => id.replaceAll('-', '');
const hyphenate = (raw: string) => `${raw.slice(0, 6)}-${raw.slice(6, 12)}-${raw.slice(12)}`;

/** Which characters the format allows at each of the 18 positions. */
function allowedAt(position: number): string {
  if (position < 6 || (position >= 12 && position < 17)) return HEX;
  return position < 12 ? ALPHANUMERIC : ALPHABET;
}

function replay(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const draws = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
  minLength: 11,
  maxLength: 11,
});
const odsCode = fc.stringMatching(/^[0-9A-Z]{1,6}$/);
const generatedId = fc.tuple(odsCode, draws).map(([ods, values]) => generateShortFormId(ods, replay(values)));

describe('checkCharacter', () => {
  it('gives the check characters of published EPS IDs', () => {
    expect(checkCharacter('24F5DAA830087EFE6')).toBe('Z'); // test/fixtures/eps: 24F5DA-A83008-7EFE6Z
    expect(checkCharacter('83C40EA2385600123')).toBe('W'); // NHS England FHIR IG: 83C40E-A23856-00123W
  });

  it('uses + for the 37th value and 0 for the first', () => {
    expect(checkCharacter('24F5DAA830087EF0F')).toBe('+');
    expect(checkCharacter('24F5DAA830087EF9F')).toBe('0');
    expect(oracleValid('24F5DAA830087EF0F+')).toBe(true);
    expect(oracleValid('24F5DAA830087EF9F0')).toBe(true);
  });

  it('agrees with the standard on any 17 characters', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Z]{17}$/), (seventeen) => {
        expect(checkCharacter(seventeen)).toBe(oracleCheckCharacter(seventeen));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses input that is not 17 characters of 0-9 and A-Z', () => {
    for (const input of [
      '',
      '24F5DAA830087EFE',
      '24F5DAA830087EFE6Z',
      '24f5daa830087efe6',
      '24F5DAA830087EF+6',
      '24F5DA-A83008-7EF',
    ]) {
      expect(() => checkCharacter(input), input).toThrow(RangeError);
    }
  });
});

describe('shortFormIdProblem and isValidShortFormId', () => {
  it('accepts published and computed valid IDs', () => {
    for (const id of [
      '24F5DA-A83008-7EFE6Z',
      '83C40E-A23856-00123W',
      '24F5DA-A83008-7EF0F+',
      '24F5DA-A83008-7EF9F0',
    ]) {
      expect(shortFormIdProblem(id), id).toBeUndefined();
      expect(isValidShortFormId(id), id).toBe(true);
    }
  });

  it('accepts a short ODS code padded with zeros', () => {
    const raw = `1A2B3C00084H0F0F0`;
    const id = hyphenate(raw + oracleCheckCharacter(raw));
    expect(isValidShortFormId(id)).toBe(true);
  });

  it('reports a well-formed ID with the wrong check character as a checksum problem', () => {
    for (const id of [
      '24F5DA-A83008-7EFE6Y',
      '24F5DA-A83008-7EFE6+',
      '24F5DA-A83008-7EFE60',
      '83C40E-A23856-00123X',
    ]) {
      expect(shortFormIdProblem(id), id).toBe('checksum');
      expect(isValidShortFormId(id), id).toBe(false);
    }
  });

  it('reports anything not in the XXXXXX-XXXXXX-XXXXXC shape as a format problem', () => {
    for (const id of [
      '',
      '24f5da-a83008-7efe6z', // EPS IDs are upper case
      '24F5DA-a83008-7EFE6Z',
      '24F5DA-A83008-7EFE6z',
      '24F5DAA830087EFE6Z',
      '24F5DA-A83008-7EFE6',
      '24F5DA-A83008-7EFE6ZZ',
      '24F5D-AA83008-7EFE6Z',
      '24F5DA_A83008_7EFE6Z',
      ' 24F5DA-A83008-7EFE6Z',
      '24F5DA-A83008-7EFE6Z\n',
      'G4F5DA-A83008-7EFE6Z', // first block is hex
      '24F5DA-A83008-7EFG6Z', // sequence is hex
      '24F5DA-A83+08-7EFE6Z',
      '24F5DA-A83008-7EFE6*', // EPS writes the 37th check value as +, not the standard's *
      '20ba5fb5-cb58-462c-923e-22d180b09356',
    ]) {
      expect(shortFormIdProblem(id), JSON.stringify(id)).toBe('format');
      expect(isValidShortFormId(id), JSON.stringify(id)).toBe(false);
    }
  });

  it('agrees with the standard on any well-formed candidate', () => {
    const candidate = fc
      .tuple(
        fc.stringMatching(/^[0-9A-F]{6}$/),
        fc.stringMatching(/^[0-9A-Z]{6}$/),
        fc.stringMatching(/^[0-9A-F]{5}$/),
        fc.constantFrom(...ALPHABET),
      )
      .map(([a, b, c, check]) => `${a}-${b}-${c}${check}`);
    fc.assert(
      fc.property(candidate, (id) => {
        expect(isValidShortFormId(id)).toBe(oracleValid(strip(id)));
        expect(shortFormIdProblem(id)).toBe(oracleValid(strip(id)) ? undefined : 'checksum');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every change of one character to another alphabet character', () => {
    fc.assert(
      fc.property(
        generatedId,
        fc.integer({ min: 0, max: 17 }),
        fc.constantFrom(...ALPHABET),
        (id, position, replacement) => {
          const raw = strip(id);
          fc.pre(raw[position] !== replacement);
          const changed = hyphenate(raw.slice(0, position) + replacement + raw.slice(position + 1));
          expect(isValidShortFormId(changed)).toBe(false);
          expect(shortFormIdProblem(changed)).toBe(
            allowedAt(position).includes(replacement) ? 'checksum' : 'format',
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses every swap of two adjacent different characters, across hyphens too', () => {
    fc.assert(
      fc.property(generatedId, fc.integer({ min: 0, max: 16 }), (id, position) => {
        const raw = strip(id);
        fc.pre(raw[position] !== raw[position + 1]);
        const swapped = raw.slice(0, position) + raw[position + 1] + raw[position] + raw.slice(position + 2);
        expect(isValidShortFormId(hyphenate(swapped))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('generateShortFormId', () => {
  it('makes valid IDs carrying the padded ODS code, from any random draws', () => {
    fc.assert(
      fc.property(odsCode, draws, (ods, values) => {
        const id = generateShortFormId(ods, replay(values));
        expect(id).toMatch(/^[0-9A-F]{6}-[0-9A-Z]{6}-[0-9A-F]{5}[0-9A-Z+]$/);
        expect(id.slice(7, 13)).toBe(ods.padStart(6, '0'));
        expect(oracleValid(strip(id))).toBe(true);
        expect(isValidShortFormId(id)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('draws each hex digit from the random source, in order', () => {
    const lowest = generateShortFormId('A83008', () => 0);
    expect(lowest).toBe(`000000-A83008-00000${oracleCheckCharacter('000000A8300800000')}`);
    const highest = generateShortFormId('84H', () => 0.999999);
    expect(highest).toBe(`FFFFFF-00084H-FFFFF${oracleCheckCharacter('FFFFFF00084HFFFFF')}`);
  });

  it('uses the secure source by default and varies', () => {
    const ids = new Set(Array.from({ length: 20 }, () => generateShortFormId('A83008')));
    for (const id of ids) expect(isValidShortFormId(id), id).toBe(true);
    expect(ids.size).toBeGreaterThan(1);
  });

  it('refuses an ODS code that cannot fill the middle block', () => {
    for (const ods of ['', 'A830081', 'a83008', 'A8-008', 'A83 08']) {
      expect(() => generateShortFormId(ods, () => 0), ods).toThrow(RangeError);
    }
  });

  it('refuses a random source outside [0, 1)', () => {
    expect(() => generateShortFormId('A83008', () => 1)).toThrow(RangeError);
  });
});

describe('isLongFormId', () => {
  it('accepts UUIDs in either case', () => {
    expect(isLongFormId('20ba5fb5-cb58-462c-923e-22d180b09356')).toBe(true);
    expect(isLongFormId('5AC84C11-DB8B-44DA-8FCF-8980B3D13596')).toBe(true);
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(isLongFormId(uuid)).toBe(true);
        expect(isLongFormId(uuid.toUpperCase())).toBe(true);
      }),
    );
  });

  it('refuses anything else', () => {
    for (const value of [
      '',
      '20ba5fb5cb58462c923e22d180b09356',
      '{20ba5fb5-cb58-462c-923e-22d180b09356}',
      'urn:uuid:20ba5fb5-cb58-462c-923e-22d180b09356',
      '20ba5fb5-cb58-462c-923e-22d180b0935',
      '20ba5fb5-cb58-462c-923e-22d180b093566',
      '20ba5fb5-cb58-462c-923e-22d180b0935g',
      '20ba5fb5-cb58-462c-923e22-d180b09356',
      ' 20ba5fb5-cb58-462c-923e-22d180b09356',
      '24F5DA-A83008-7EFE6Z',
    ]) {
      expect(isLongFormId(value), value).toBe(false);
    }
  });
});

it('exposes the check alphabet EPS uses', () => {
  expect(CHECK_ALPHABET).toBe(ALPHABET);
});

describe('prescription IDs in query strings', () => {
  /** What a server reads from `?focus:identifier=<id>` when the client did not percent-encode it. */
  const readUnencoded = (id: string) =>
    new URLSearchParams(`focus:identifier=${id}`).get('focus:identifier')!;
  const readEncoded = (id: string) =>
    new URLSearchParams(`focus:identifier=${encodeURIComponent(id)}`).get('focus:identifier')!;

  /** One valid ID per check character: the last two hex digits are varied until it comes out. */
  function idWithCheckCharacter(check: string): string {
    for (let n = 0; n < 256; n++) {
      const seventeen = `A1B2C3A83008D42${n.toString(16).toUpperCase().padStart(2, '0')}`;
      if (checkCharacter(seventeen) === check) {
        return `${seventeen.slice(0, 6)}-${seventeen.slice(6, 12)}-${seventeen.slice(12)}${check}`;
      }
    }
    throw new Error(`no ID with check character ${check}`);
  }

  it('reads every check character back, encoded or not (a space can only have been a +)', () => {
    for (const check of ALPHABET) {
      const id = idWithCheckCharacter(check);
      expect(isValidShortFormId(id), id).toBe(true);
      expect(restoreUnencodedPlus(readEncoded(id))).toBe(id);
      expect(restoreUnencodedPlus(readUnencoded(id))).toBe(id);
    }
  });

  it('restores generated IDs and changes nothing that is not an ID with a lost +', () => {
    fc.assert(
      fc.property(generatedId, (id) => {
        expect(restoreUnencodedPlus(readUnencoded(id))).toBe(id);
        expect(restoreUnencodedPlus(id)).toBe(id);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (value) => {
        const restored = restoreUnencodedPlus(value);
        expect(restored === value || (value.endsWith(' ') && restored === `${value.slice(0, -1)}+`)).toBe(
          true,
        );
      }),
    );
    expect(restoreUnencodedPlus('Smith ')).toBe('Smith ');
  });
});
