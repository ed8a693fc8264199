/**
 * FHIR Bulk Data Access v2 over HTTP: kick-off (`$export` at system, Patient and Group level),
 * the status URL (poll, DELETE to cancel) and the file downloads. Only `admin` and `analyst` may
 * export; an export is seen, downloaded and cancelled only by the account that asked for it
 * (anyone else gets the same 404 as for an export that does not exist). Every kick-off,
 * cancellation and download is audited.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { type AccessPolicy, auditRequest, principalOf } from '../../platform/auth/index.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { invalid, notFound, Problem } from '../../platform/errors/problem.js';
import { FHIR_ID } from '../../platform/fhir/resource-types.js';
import { readResource } from '../../platform/fhir/store/repository.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import { type ExportLevel, type ExportTypes, parseExportRequest } from './export-request.js';
import { exportFolder } from './export-run.js';
import { cancelExport, type ExportRecord, findExport, insertExport, listFiles } from './export-store.js';

export const EXPORT_POLICY: AccessPolicy = { roles: ['admin', 'analyst'] };

export interface ExportRouteDeps {
  db: Database;
  audit: { record(input: AuditInput): Promise<void> };
  baseUrl: string;
  /** The types each level covers (export-request.ts `exportTypesOf`). */
  types: ExportTypes;
  exportDir: string;
  /** Queues the export's job in the kick-off's transaction. */
  enqueue(exportId: string, tx: Queryable): Promise<void>;
  /** Removes a cancelled export's files. */
  removeFiles(exportId: string): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE_NAME = /^[A-Za-z]{1,64}-\d{1,6}\.ndjson$/;
const NDJSON = 'application/fhir+ndjson';

export function registerExportRoutes(fhir: FastifyInstance, deps: ExportRouteDeps): void {
  const guard = { config: { access: EXPORT_POLICY } };
  fhir.get('/$export', guard, (request, reply) => kickOff(deps, request, reply, 'system'));
  fhir.get('/Patient/$export', guard, (request, reply) => kickOff(deps, request, reply, 'patient'));
  fhir.get<{ Params: { id: string } }>('/Group/:id/$export', guard, (request, reply) =>
    kickOff(deps, request, reply, 'group', request.params.id),
  );

  fhir.get<{ Params: { id: string } }>('/$export-status/:id', guard, async (request, reply) => {
    const record = await ownExport(deps, request, request.params.id);
    if (record.status === 'in-progress') {
      const type = record.types[record.typeIndex];
      const progress = `${record.exported} resources written${type ? `; ${type} (type ${record.typeIndex + 1} of ${record.types.length})` : ''}`;
      reply.code(202).header('x-progress', progress).header('retry-after', '2');
      return reply.send();
    }
    if (record.status === 'failed') {
      throw new Problem('INTERNAL_ERROR', `The export failed: ${record.error ?? 'unknown error'}`);
    }
    const files = await listFiles(deps.db, record.id);
    const expires = record.expiresAt?.toUTCString();
    if (expires) reply.header('expires', expires);
    return sendFhir(reply, 200, {
      transactionTime: record.transactionTime.toISOString(),
      request: record.requestUrl,
      requiresAccessToken: true,
      output: files
        .filter((file) => file.resourceCount > 0)
        .map((file) => ({
          type: file.resourceType,
          url: `${deps.baseUrl}/$export-file/${record.id}/${file.fileName}`,
          count: file.resourceCount,
        })),
      error: [],
      ...(record.pseudonymised
        ? { extension: { 'https://fhir.pathways.dev/bulk/pseudonymised': true } }
        : {}),
    });
  });

  fhir.delete<{ Params: { id: string } }>('/$export-status/:id', guard, async (request, reply) => {
    const record = await ownExport(deps, request, request.params.id);
    if (!(await cancelExport(deps.db, record.id))) throw notFound(`No export ${record.id}`);
    await deps.removeFiles(record.id);
    await deps.audit.record({
      subtype: 'operation',
      outcome: '0',
      ...auditRequest(request),
      detail: `bulk export ${record.id} cancelled`,
    });
    return sendFhir(reply, 202, {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'information', code: 'informational', diagnostics: `Export ${record.id} cancelled` },
      ],
    });
  });

  fhir.get<{ Params: { id: string; file: string } }>(
    '/$export-file/:id/:file',
    { config: { ...guard.config, ownFormats: true } },
    async (request, reply) => {
      const record = await ownExport(deps, request, request.params.id);
      const { file } = request.params;
      if (!FILE_NAME.test(file) || record.status !== 'completed') throw notFound(`No file ${file}`);
      const known = (await listFiles(deps.db, record.id)).find((entry) => entry.fileName === file);
      if (!known) throw notFound(`No file ${file}`);
      await deps.audit.record({
        subtype: 'operation',
        outcome: '0',
        ...auditRequest(request),
        detail: `bulk export ${record.id} file ${file} downloaded${record.pseudonymised ? ' (pseudonymised)' : ''}`,
      });
      const stream = createReadStream(path.join(exportFolder(deps.exportDir, record.id), file), {
        start: 0,
        end: Math.max(known.bytes - 1, 0),
      });
      reply.code(200).header('content-type', NDJSON).header('content-length', String(known.bytes));
      return reply.send(stream);
    },
  );
}

async function kickOff(
  deps: ExportRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  level: ExportLevel,
  groupId?: string,
): Promise<FastifyReply> {
  const prefer = String(request.headers.prefer ?? '');
  if (!/(^|[,;\s])respond-async($|[,;\s])/.test(prefer)) {
    throw invalid('A Bulk Data export needs the header Prefer: respond-async', 'Prefer');
  }
  const caller = principalOf(request);
  const query = new URLSearchParams(
    request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '',
  );
  const exportRequest = parseExportRequest(deps.types, level, query, caller, groupId);
  const id = randomUUID();
  const requestUrl = `${deps.baseUrl}${request.url.slice(request.url.indexOf('/fhir/R4') + '/fhir/R4'.length)}`;
  await deps.db.transaction(async (tx) => {
    const patientIds = groupId === undefined ? undefined : await groupMembers(tx, groupId);
    await insertExport(tx, {
      id,
      request: exportRequest,
      patientIds,
      requestUrl,
      requestedBy: caller.subject,
    });
    await deps.enqueue(id, tx);
  });
  await deps.audit.record({
    subtype: 'operation',
    outcome: '0',
    ...auditRequest(request),
    ...(groupId ? { entity: { reference: `Group/${groupId}` } } : {}),
    detail:
      `bulk export ${id} requested: ${level} level, ${exportRequest.types.length} types` +
      `${exportRequest.pseudonymised ? ', pseudonymised' : ', identifiable'}`,
  });
  reply.header('content-location', `${deps.baseUrl}/$export-status/${id}`);
  return sendFhir(reply, 202, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics: `Export ${id} accepted` }],
  });
}

/** The Group's member patients (`member.entity` references to Patient). */
async function groupMembers(tx: Queryable, groupId: string): Promise<string[]> {
  if (!FHIR_ID.test(groupId)) throw notFound(`Group ${groupId} was not found`);
  const group = JSON.parse((await readResource(tx, 'Group', groupId)).content) as {
    member?: { entity?: { reference?: string } }[];
  };
  const members = (group.member ?? [])
    .map((member) => member.entity?.reference ?? '')
    .filter((reference) => reference.startsWith('Patient/'))
    .map((reference) => reference.slice('Patient/'.length));
  return [...new Set(members)];
}

/** The caller's own export; anyone else's, or none, is the same 404. */
async function ownExport(deps: ExportRouteDeps, request: FastifyRequest, id: string): Promise<ExportRecord> {
  const record = UUID.test(id) ? await findExport(deps.db, id) : undefined;
  if (!record || record.status === 'cancelled' || record.requestedBy !== principalOf(request).subject) {
    throw notFound(`No export ${id}`);
  }
  return record;
}
