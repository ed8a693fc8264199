/**
 * FHIR search over SQL index tables (migrations/0002_fhir_search.sql). The store calls
 * writeSearchIndex / deleteSearchIndex inside its write transaction; routes call search.
 */
export { type SearchParamInfo, searchParameters } from './definitions.js';
export { type SearchOptions, search } from './search.js';
export { deleteSearchIndex, writeSearchIndex } from './write-index.js';
