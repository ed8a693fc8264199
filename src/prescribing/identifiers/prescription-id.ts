/**
 * EPS prescription identifiers. The short-form ID `XXXXXX-XXXXXX-XXXXXC` is what prescriptions are
 * known by through their whole life (order, release, dispense, claim); the long-form ID is a UUID
 * carried beside it in the Extension-DM-PrescriptionId extension.
 *
 * Short form: 6 random hex digits, the prescriber's ODS code left-padded with `0` to 6 characters,
 * 5 hex digits, then an ISO/IEC 7064 MOD 37-2 check character computed over the 17 characters
 * without hyphens. EPS writes the 37th check value as `+` where the standard has `*`.
 */
import { type RandomSource, randomIndex, secureRandom } from '../../nhs/index.js';

export const SHORT_FORM_ID_SYSTEM = 'https://fhir.nhs.uk/Id/prescription-order-number';
export const LONG_FORM_ID_SYSTEM = 'https://fhir.nhs.uk/Id/prescription';
export const LONG_FORM_ID_EXTENSION = 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId';

/** Check values 0–36 in order; a character's position is also its value in the sum. */
export const CHECK_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+';

const MODULUS = 37;
const HEX = '0123456789ABCDEF';
const SEVENTEEN = /^[0-9A-Z]{17}$/;
const SHORT_FORM_ID = /^[0-9A-F]{6}-[0-9A-Z]{6}-[0-9A-F]{5}[0-9A-Z+]$/;
const ODS_CODE = /^[0-9A-Z]{1,6}$/;
const LONG_FORM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The MOD 37-2 check character for 17 characters from 0–9 and A–Z. Character i (from 0) carries
 * weight 2^(17 − i) mod 37; the check character's value c is the one that makes
 * (weighted sum + c) ≡ 1 (mod 37). Doubling after each addition (Horner's rule) gives those weights
 * without large numbers.
 */
export function checkCharacter(seventeen: string): string {
  if (!SEVENTEEN.test(seventeen)) {
    throw new RangeError('checkCharacter needs exactly 17 characters from 0-9 and A-Z');
  }
  let weighted = 0;
  for (const character of seventeen) {
    weighted = ((weighted + CHECK_ALPHABET.indexOf(character)) * 2) % MODULUS;
  }
  return CHECK_ALPHABET[(1 - weighted + MODULUS) % MODULUS]!;
}

/** The 17 checked characters of a well-formed short-form ID (hyphens and check character removed). */
function checkedPart(id: string): string {
  return id.slice(0, 6) + id.slice(7, 13) + id.slice(14, 19);
}

/**
 * Why a short-form ID is not acceptable: 'format' (not the `XXXXXX-XXXXXX-XXXXXC` shape in upper
 * case: INVALID_VALUE) or 'checksum' (well formed, wrong check character: INVALID_CHECKSUM).
 */
export function shortFormIdProblem(id: string): 'format' | 'checksum' | undefined {
  if (!SHORT_FORM_ID.test(id)) return 'format';
  return checkCharacter(checkedPart(id)) === id[19] ? undefined : 'checksum';
}

export function isValidShortFormId(id: string): boolean {
  return shortFormIdProblem(id) === undefined;
}

function randomHex(random: RandomSource, length: number): string {
  let hex = '';
  for (let i = 0; i < length; i++) hex += HEX[randomIndex(random, HEX.length)];
  return hex;
}

/**
 * A new short-form ID for a prescriber organisation, as EPS makes them: random hex, the ODS code
 * padded to 6, random hex, check character. The ODS code must be 1–6 characters of 0–9 and A–Z.
 */
export function generateShortFormId(odsCode: string, random: RandomSource = secureRandom): string {
  if (!ODS_CODE.test(odsCode)) {
    throw new RangeError('a short-form ID needs an ODS code of 1-6 characters from 0-9 and A-Z');
  }
  const first = randomHex(random, 6);
  const organisation = odsCode.padStart(6, '0');
  const sequence = randomHex(random, 5);
  return `${first}-${organisation}-${sequence}${checkCharacter(first + organisation + sequence)}`;
}

/** A long-form prescription ID: a UUID written 8-4-4-4-12 in hex digits of either case. */
export function isLongFormId(value: string): boolean {
  return LONG_FORM_ID.test(value);
}
