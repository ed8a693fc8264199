/**
 * The index rows of one resource, computed without the database: one list per index table,
 * without duplicates (a name's given and text may normalise to the same string).
 */

import type { DateRange } from './date-range.js';
import { indexedParams } from './definitions.js';
import {
  dateEntries,
  type ReferenceEntry,
  referenceEntries,
  type StringEntry,
  stringEntries,
  type TokenEntry,
  tokenEntries,
  uriEntries,
} from './values.js';

export interface IndexRows {
  tokens: (TokenEntry & { param: string })[];
  references: (ReferenceEntry & { param: string })[];
  dates: (DateRange & { param: string })[];
  strings: (StringEntry & { param: string })[];
}

export function buildIndexRows(resource: { resourceType: string }): IndexRows {
  const rows: IndexRows = { tokens: [], references: [], dates: [], strings: [] };
  const seen = new Set<string>();
  const once = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  for (const param of indexedParams(resource.resourceType).values()) {
    const values = param.extract(resource);
    if (values.length === 0) continue;
    const code = param.code;
    switch (param.type) {
      case 'token':
      case 'uri':
        for (const value of values) {
          for (const entry of param.type === 'token' ? tokenEntries(value) : uriEntries(value)) {
            if (once(`t\0${code}\0${entry.system}\0${entry.value}`))
              rows.tokens.push({ param: code, ...entry });
          }
        }
        break;
      case 'reference':
        for (const value of values) {
          for (const entry of referenceEntries(value)) {
            const key = `r\0${code}\0${entry.targetType}\0${entry.targetId}\0${entry.identifierSystem}\0${entry.identifierValue}`;
            if (once(key)) rows.references.push({ param: code, ...entry });
          }
        }
        break;
      case 'date':
        for (const value of values) {
          for (const entry of dateEntries(value)) {
            if (once(`d\0${code}\0${entry.low}\0${entry.high}`)) rows.dates.push({ param: code, ...entry });
          }
        }
        break;
      case 'string':
        for (const value of values) {
          for (const entry of stringEntries(value)) {
            if (once(`s\0${code}\0${entry.exact}`)) rows.strings.push({ param: code, ...entry });
          }
        }
        break;
    }
  }
  return rows;
}
