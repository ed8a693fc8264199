/**
 * FHIR search over SQL index tables (migrations/0002_fhir_search.sql). The store calls
 * writeSearchIndex / deleteSearchIndex inside its write transaction; routes call search.
 */
export { type PatientCompartment, patientsNamed } from './compartment-filter.js';
export { type SearchParamInfo, searchParameters } from './definitions.js';
export { parseSearchQuery } from './parse-query.js';
export { runSearch, type SearchOptions, search } from './search.js';
export type { SearchRequest } from './search-request.js';
export { deleteSearchIndex, indexDocument, writeSearchIndex } from './write-index.js';
