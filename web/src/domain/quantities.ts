/**
 * Quantities in words a patient reads: "6 tablets", "1 capsule", "100 ml". The unit comes from its
 * code when the code is one we know (dm+d units of measure in SNOMED CT, or UCUM), because the
 * code is what the prescribing system chose and its text may be a bare singular ("tablet"); an
 * unknown unit falls back to its text, with a counted noun put in the plural.
 */
import type { Quantity } from '@medplum/fhirtypes';

const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

interface UnitWords {
  one: string;
  many: string;
}

const counted = (one: string, many = `${one}s`): UnitWords => ({ one, many });
const symbol = (text: string): UnitWords => ({ one: text, many: text });

/** dm+d units of measure (SNOMED CT) that prescriptions use for a quantity to supply. */
const DMD_UNITS: Record<string, UnitWords> = {
  '428673006': counted('tablet'),
  '428641000': counted('capsule'),
  '413516001': counted('ampoule'),
  '732988008': counted('cartridge'),
  '3317411000001100': counted('dose'),
  '700476008': counted('enema'),
  '419702001': counted('patch', 'patches'),
  '733010002': counted('plaster'),
  '3318611000001103': counted('pre-filled disposable injection'),
  '733013000': counted('sachet'),
  '415818006': counted('vial'),
  '258773002': symbol('ml'),
  '258682000': symbol('g'),
  '258684004': symbol('mg'),
};

/** UCUM codes (case-sensitive), with the words a patient expects. */
const UCUM_UNITS: Record<string, UnitWords> = {
  mL: symbol('ml'),
  L: counted('litre'),
  g: symbol('g'),
  mg: symbol('mg'),
  ug: counted('microgram'),
  '[iU]': counted('unit'),
  '{tablet}': counted('tablet'),
  '{capsule}': counted('capsule'),
  '{dose}': counted('dose'),
  '{puff}': counted('puff'),
  d: counted('day'),
  wk: counted('week'),
  mo: counted('month'),
};

/** Unit texts that are symbols, never pluralised ("100 ml", not "100 mls"). */
const SYMBOLS = new Set(['ml', 'l', 'g', 'mg', 'kg', 'mcg', 'µg', 'ug', 'mmol', 'mol', '%']);

function wordsOfText(text: string): UnitWords {
  const trimmed = text.trim();
  if (SYMBOLS.has(trimmed.toLowerCase()) || !/^[a-z][a-z -]*$/i.test(trimmed)) return symbol(trimmed);
  // Already plural ("tablets") when given so: the singular drops the last "s" of a counted noun.
  if (/[^s]s$/i.test(trimmed) && !/(ss|us|is)$/i.test(trimmed)) {
    return { one: trimmed.slice(0, -1), many: trimmed };
  }
  return { one: trimmed, many: /(s|x|z|ch|sh)$/i.test(trimmed) ? `${trimmed}es` : `${trimmed}s` };
}

export function unitWords(quantity: Pick<Quantity, 'unit' | 'system' | 'code'>): UnitWords | undefined {
  if (quantity.code && quantity.system === SNOMED && DMD_UNITS[quantity.code])
    return DMD_UNITS[quantity.code];
  if (quantity.code && quantity.system === UCUM && UCUM_UNITS[quantity.code])
    return UCUM_UNITS[quantity.code];
  if (quantity.unit?.trim()) return wordsOfText(quantity.unit);
  return undefined;
}

/** "6 tablets", "1 capsule", "2.5 ml", or the bare number when there is no unit. */
export function formatQuantity(quantity: Quantity | undefined): string | undefined {
  if (quantity?.value === undefined) return undefined;
  const value = quantity.value;
  const words = unitWords(quantity);
  if (!words) return String(value);
  return `${value} ${value === 1 ? words.one : words.many}`;
}
