/**
 * FHIR transaction Bundles: all entries in one database transaction, processed in the order the
 * specification sets (DELETE, POST, PUT, GET), with `urn:uuid:` references rewritten to the ids
 * assigned here. Any failing entry rolls the whole Bundle back.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../database/database.js';
import { Problem } from '../../errors/problem.js';
import {
  type JsonObject,
  objectAt,
  objectsAt,
  optionalObjectAt,
  optionalStringAt,
  shownValue,
  stringAt,
} from '../json-shape.js';
import { search } from '../search/index.js';
import {
  createResource,
  deleteResource,
  readResource,
  updateResource,
  type WriteResult,
} from './repository.js';
import { etag, parseIfMatch, parseIfNoneExist } from './versioning.js';

const METHOD_ORDER = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 } as const;
const MAX_ENTRIES = 1_000;

export interface TransactionOutcome {
  bundle: Bundle;
  /** Every resource written, for audit and events. */
  writes: Array<{ action: 'C' | 'U' | 'D'; resourceType: string; id: string; resource?: Resource }>;
  reads: Array<{ resourceType: string; id: string; resource: Resource }>;
}

function fail(index: number, problem: Problem): never {
  const issue = problem.issues[0]!;
  throw new Problem(issue.code, `Bundle.entry[${index}]: ${issue.diagnostics}`, {
    status: problem.status,
    expression: issue.expression ?? `Bundle.entry[${index}]`,
  });
}

function parseUrl(url: string, index: number): { type: string; id?: string; query?: string } {
  if (!url) fail(index, new Problem('MISSING_VALUE', 'request.url is required'));
  const [path = '', query] = url.replace(/^\//, '').split('?');
  const [type = '', id, extra] = path.split('/');
  if (!type || extra !== undefined)
    fail(index, new Problem('INVALID_VALUE', `request.url ${url} is not Type or Type/id`));
  return { type, ...(id ? { id } : {}), ...(query !== undefined ? { query } : {}) };
}

/** Replaces every `reference` naming a fullUrl of this Bundle with the id it was given. */
function rewriteReferences(value: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteReferences(item, ids));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        key === 'reference' && typeof item === 'string' && ids.has(item)
          ? ids.get(item)
          : rewriteReferences(item, ids);
    }
    return out;
  }
  return value;
}

function response(result: WriteResult, baseUrl: string): BundleEntry {
  return {
    fullUrl: `${baseUrl}/${result.resourceType}/${result.id}`,
    response: {
      status: result.created ? '201 Created' : '200 OK',
      location: `${result.resourceType}/${result.id}/_history/${result.versionId}`,
      etag: etag(result.versionId),
      lastModified: result.lastUpdated.toISOString(),
    },
  };
}

/** One entry as read from the body, every element checked for its JSON type. */
interface EntryRequest {
  fullUrl: string | undefined;
  resource: Resource | undefined;
  method: keyof typeof METHOD_ORDER;
  url: string;
  ifMatch: string | undefined;
  ifNoneExist: string | undefined;
}

function readEntry(value: unknown, index: number): EntryRequest {
  const at = `Bundle.entry[${index}]`;
  const entry = objectAt(value, at);
  const request = objectAt(entry.request, `${at}.request`);
  const method = stringAt(request.method, `${at}.request.method`);
  if (!Object.hasOwn(METHOD_ORDER, method) || method === 'PATCH' || method === 'HEAD') {
    throw new Problem('INVALID_VALUE', `${at}: request.method ${shownValue(method)} is not supported`, {
      expression: `${at}.request.method`,
    });
  }
  const resource: JsonObject | undefined = optionalObjectAt(entry.resource, `${at}.resource`);
  if (resource) stringAt(resource.resourceType, `${at}.resource.resourceType`);
  return {
    fullUrl: optionalStringAt(entry.fullUrl, `${at}.fullUrl`),
    resource: resource as Resource | undefined,
    method: method as EntryRequest['method'],
    url: stringAt(request.url, `${at}.request.url`),
    ifMatch: optionalStringAt(request.ifMatch, `${at}.request.ifMatch`),
    ifNoneExist: optionalStringAt(request.ifNoneExist, `${at}.request.ifNoneExist`),
  };
}

export async function processTransaction(
  db: Database,
  input: unknown,
  baseUrl: string,
): Promise<TransactionOutcome> {
  const bundle = input as Record<string, unknown> | null;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw new Problem('INVALID_VALUE', 'POST to the base URL takes a Bundle', { expression: 'resourceType' });
  }
  if (bundle.type !== 'transaction') {
    throw new Problem('INVALID_VALUE', `Bundle.type must be transaction (got ${shownValue(bundle.type)})`, {
      expression: 'Bundle.type',
    });
  }
  const entries = objectsAt(bundle.entry, 'Bundle.entry');
  if (entries.length > MAX_ENTRIES) {
    throw new Problem('INVALID_VALUE', `A transaction takes at most ${MAX_ENTRIES} entries`, {
      expression: 'Bundle.entry',
    });
  }

  // Ids for created resources are fixed first, so that any entry may reference any other.
  const ids = new Map<string, string>();
  const planned = entries.map((value, index) => {
    const entry = readEntry(value, index);
    const target = parseUrl(entry.url, index);
    let newId: string | undefined;
    if (entry.method === 'POST') {
      newId = randomUUID();
      if (entry.fullUrl?.startsWith('urn:uuid:')) ids.set(entry.fullUrl, `${target.type}/${newId}`);
    }
    return { entry, index, method: entry.method, target, newId };
  });

  const writes: TransactionOutcome['writes'] = [];
  const reads: TransactionOutcome['reads'] = [];
  const responses: BundleEntry[] = new Array(entries.length);
  await db.transaction(async (tx: Queryable) => {
    const order = [...planned].sort(
      (a, b) => METHOD_ORDER[a.method] - METHOD_ORDER[b.method] || a.index - b.index,
    );
    for (const item of order) {
      try {
        responses[item.index] = await runEntry(tx, item, ids, baseUrl, writes, reads);
      } catch (error) {
        if (error instanceof Problem) fail(item.index, error);
        throw error;
      }
    }
  });
  return {
    bundle: { resourceType: 'Bundle', type: 'transaction-response', entry: responses },
    writes,
    reads,
  };
}

async function runEntry(
  tx: Queryable,
  item: {
    entry: EntryRequest;
    method: string;
    target: { type: string; id?: string; query?: string };
    newId?: string;
  },
  ids: Map<string, string>,
  baseUrl: string,
  writes: TransactionOutcome['writes'],
  reads: TransactionOutcome['reads'],
): Promise<BundleEntry> {
  const { entry, method, target } = item;
  const resource = entry.resource ? (rewriteReferences(entry.resource, ids) as Resource) : undefined;
  const ifMatch = parseIfMatch(entry.ifMatch);
  switch (method) {
    case 'POST': {
      if (!resource) throw new Problem('MISSING_VALUE', 'POST needs a resource');
      if (resource.resourceType !== target.type) {
        throw new Problem(
          'INVALID_VALUE',
          `resource is a ${resource.resourceType}, request.url names ${target.type}`,
        );
      }
      const ifNoneExist = parseIfNoneExist(entry.ifNoneExist);
      if (ifNoneExist) {
        const found = await search(tx, target.type, ifNoneExist, { baseUrl });
        const matches = found.entry?.filter((e) => e.search?.mode !== 'include') ?? [];
        if (matches.length > 1)
          throw new Problem('PRECONDITION_FAILED', 'If-None-Exist matched more than one resource');
        const existing = matches[0]?.resource;
        if (existing?.id) {
          if (entry.fullUrl?.startsWith('urn:uuid:')) ids.set(entry.fullUrl, `${target.type}/${existing.id}`);
          return {
            fullUrl: `${baseUrl}/${target.type}/${existing.id}`,
            response: {
              status: '200 OK',
              location: `${target.type}/${existing.id}/_history/${existing.meta?.versionId}`,
            },
          };
        }
      }
      const result = await createResource(tx, resource, item.newId ? { id: item.newId } : {});
      writes.push({
        action: 'C',
        resourceType: result.resourceType,
        id: result.id,
        resource: result.resource,
      });
      return response(result, baseUrl);
    }
    case 'PUT': {
      if (!resource || !target.id) throw new Problem('INVALID_VALUE', 'PUT needs Type/id and a resource');
      const result = await updateResource(
        tx,
        target.type,
        target.id,
        resource,
        ifMatch !== undefined ? { ifMatch } : {},
      );
      writes.push({
        action: result.created ? 'C' : 'U',
        resourceType: target.type,
        id: target.id,
        resource: result.resource,
      });
      return response(result, baseUrl);
    }
    case 'DELETE': {
      if (!target.id) throw new Problem('INVALID_VALUE', 'DELETE needs Type/id');
      await deleteResource(tx, target.type, target.id, ifMatch !== undefined ? { ifMatch } : {});
      writes.push({ action: 'D', resourceType: target.type, id: target.id });
      return { response: { status: '204 No Content' } };
    }
    default: {
      if (!target.id) throw new Problem('INVALID_VALUE', 'GET in a transaction reads Type/id');
      const stored = await readResource(tx, target.type, target.id);
      const read = JSON.parse(stored.content) as Resource;
      reads.push({ resourceType: target.type, id: target.id, resource: read });
      return {
        fullUrl: `${baseUrl}/${target.type}/${target.id}`,
        resource: read,
        response: { status: '200 OK', etag: etag(stored.versionId) },
      };
    }
  }
}
