/**
 * The pieces of a create or update that every FHIR write route shares (the generic routes in
 * write.ts and capabilities with write rules of their own, such as the register): the
 * If-None-Exist match, and the answers with ETag, Last-Modified and Location.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyReply } from 'fastify';
import type { Queryable } from '../../database/database.js';
import { Problem } from '../../errors/problem.js';
import { sendFhir } from '../../http/fhir-json.js';
import { type PatientCompartment, search } from '../search/index.js';
import type { WriteResult } from '../store/repository.js';
import { etag } from '../store/versioning.js';

/**
 * The resource an If-None-Exist search finds (a conditional create then creates nothing), or
 * undefined when it finds none; more than one match is 412. A patient's match runs in their own
 * compartment: what other patients have stored must change neither the answer nor its status.
 */
export async function findIfNoneExist(
  tx: Queryable,
  type: string,
  ifNoneExist: URLSearchParams,
  baseUrl: string,
  patientCompartment?: PatientCompartment,
): Promise<Resource | undefined> {
  const found = await search(tx, type, ifNoneExist, {
    baseUrl,
    ...(patientCompartment ? { patientCompartment } : {}),
  });
  const matches = found.entry?.filter((entry) => entry.search?.mode !== 'include') ?? [];
  if (matches.length > 1) {
    throw new Problem('PRECONDITION_FAILED', `If-None-Exist matched ${matches.length} resources`);
  }
  return matches[0]?.resource;
}

/** 200 with the resource a conditional create found instead of creating. */
export function sendExisting(reply: FastifyReply, existing: Resource, baseUrl: string): FastifyReply {
  reply
    .header('etag', etag(existing.meta?.versionId ?? '1'))
    .header(
      'location',
      `${baseUrl}/${existing.resourceType}/${existing.id}/_history/${existing.meta?.versionId}`,
    );
  return sendFhir(reply, 200, existing);
}

/** 201 for a created resource, 200 for an updated one, with its version headers. */
export function sendWritten(reply: FastifyReply, result: WriteResult, baseUrl: string): FastifyReply {
  reply
    .header('etag', etag(result.versionId))
    .header('last-modified', result.lastUpdated.toUTCString())
    .header('location', `${baseUrl}/${result.resourceType}/${result.id}/_history/${result.versionId}`);
  return sendFhir(reply, result.created ? 201 : 200, result.content);
}
