/** The export rows (migrations/0018_bulk_export.sql): requests, their checkpoints and files. */
import type { Queryable } from '../../platform/database/database.js';
import type { ExportLevel, ExportRequest, TypeFilter } from './export-request.js';

export type ExportStatus = 'in-progress' | 'completed' | 'failed' | 'cancelled';

export interface ExportRecord {
  id: string;
  level: ExportLevel;
  groupId: string | null;
  patientIds: string[] | null;
  types: string[];
  since: Date | null;
  typeFilters: TypeFilter[];
  pseudonymised: boolean;
  requestUrl: string;
  requestedBy: string;
  transactionTime: Date;
  status: ExportStatus;
  typeIndex: number;
  lastId: string | null;
  exported: number;
  runToken: string | null;
  error: string | null;
  completedAt: Date | null;
  expiresAt: Date | null;
}

export interface ExportFile {
  fileName: string;
  resourceType: string;
  part: number;
  resourceCount: number;
  bytes: number;
}

interface ExportRow {
  id: string;
  level: ExportLevel;
  group_id: string | null;
  patient_ids: string[] | null;
  resource_types: string[];
  since: Date | string | null;
  type_filters: TypeFilter[] | string;
  pseudonymised: boolean;
  request_url: string;
  requested_by: string;
  transaction_time: Date | string;
  status: ExportStatus;
  type_index: number;
  last_id: string | null;
  exported: string | number;
  run_token: string | null;
  error: string | null;
  completed_at: Date | string | null;
  expires_at: Date | string | null;
}

const dateOf = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

function toRecord(row: ExportRow): ExportRecord {
  return {
    id: row.id,
    level: row.level,
    groupId: row.group_id,
    patientIds: row.patient_ids,
    types: row.resource_types,
    since: dateOf(row.since),
    typeFilters: typeof row.type_filters === 'string' ? JSON.parse(row.type_filters) : row.type_filters,
    pseudonymised: row.pseudonymised,
    requestUrl: row.request_url,
    requestedBy: row.requested_by,
    transactionTime: new Date(row.transaction_time),
    status: row.status,
    typeIndex: row.type_index,
    lastId: row.last_id,
    exported: Number(row.exported),
    runToken: row.run_token,
    error: row.error,
    completedAt: dateOf(row.completed_at),
    expiresAt: dateOf(row.expires_at),
  };
}

export async function insertExport(
  tx: Queryable,
  input: {
    id: string;
    request: ExportRequest;
    patientIds: string[] | undefined;
    requestUrl: string;
    requestedBy: string;
    now?: Date;
  },
): Promise<ExportRecord> {
  const { request } = input;
  // transaction_time is this process's clock, the clock that stamps last_updated on writes.
  const { rows } = await tx.query<ExportRow>(
    `INSERT INTO bulk_export (id, level, group_id, patient_ids, resource_types, since, type_filters,
       pseudonymised, request_url, requested_by, transaction_time, status)
     VALUES ($1, $2, $3, $4::text[], $5::text[], $6, $7::jsonb, $8, $9, $10, $11, 'in-progress')
     RETURNING *`,
    [
      input.id,
      request.level,
      request.groupId ?? null,
      input.patientIds ?? null,
      request.types,
      request.since?.toISOString() ?? null,
      JSON.stringify(request.typeFilters),
      request.pseudonymised,
      input.requestUrl,
      input.requestedBy,
      (input.now ?? new Date()).toISOString(),
    ],
  );
  return toRecord(rows[0]!);
}

export async function findExport(db: Queryable, id: string): Promise<ExportRecord | undefined> {
  const { rows } = await db.query<ExportRow>('SELECT * FROM bulk_export WHERE id = $1', [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Takes the checkpoint for a new run; undefined when the export is no longer in progress. */
export async function claimExport(
  db: Queryable,
  id: string,
  runToken: string,
): Promise<ExportRecord | undefined> {
  const { rows } = await db.query<ExportRow>(
    `UPDATE bulk_export SET run_token = $2 WHERE id = $1 AND status = 'in-progress' RETURNING *`,
    [id, runToken],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function listFiles(db: Queryable, id: string): Promise<ExportFile[]> {
  const { rows } = await db.query<{
    file_name: string;
    resource_type: string;
    part: number;
    resource_count: string | number;
    bytes: string | number;
  }>(
    `SELECT file_name, resource_type, part, resource_count, bytes FROM bulk_export_file
     WHERE export_id = $1 ORDER BY resource_type, part`,
    [id],
  );
  return rows.map((row) => ({
    fileName: row.file_name,
    resourceType: row.resource_type,
    part: row.part,
    resourceCount: Number(row.resource_count),
    bytes: Number(row.bytes),
  }));
}

export interface Checkpoint {
  typeIndex: number;
  lastId: string | null;
  exported: number;
  /** Files written since the last checkpoint, with their committed counts and lengths. */
  files: ExportFile[];
}

/**
 * Commits a checkpoint if this run still owns the export (same run token, still in progress);
 * false when it was cancelled or another run took it over, and the caller must stop.
 */
export async function saveCheckpoint(
  tx: Queryable,
  id: string,
  runToken: string,
  checkpoint: Checkpoint,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE bulk_export SET type_index = $3, last_id = $4, exported = $5
     WHERE id = $1 AND run_token = $2 AND status = 'in-progress'`,
    [id, runToken, checkpoint.typeIndex, checkpoint.lastId, checkpoint.exported],
  );
  if (rowCount === 0) return false;
  for (const file of checkpoint.files) {
    await tx.query(
      `INSERT INTO bulk_export_file (export_id, file_name, resource_type, part, resource_count, bytes)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (export_id, file_name) DO UPDATE SET resource_count = $5, bytes = $6`,
      [id, file.fileName, file.resourceType, file.part, file.resourceCount, file.bytes],
    );
  }
  return true;
}

export async function finishExport(
  db: Queryable,
  id: string,
  runToken: string,
  outcome: { status: 'completed' | 'failed'; error?: string; retentionS: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE bulk_export SET status = $3, error = $4, completed_at = clock_timestamp(),
       expires_at = clock_timestamp() + $5::double precision * interval '1 second'
     WHERE id = $1 AND run_token = $2 AND status = 'in-progress'`,
    [id, runToken, outcome.status, outcome.error ?? null, outcome.retentionS],
  );
  return rowCount > 0;
}

/** Marks an export failed whoever runs it (the job gave up). */
export async function failExport(
  db: Queryable,
  id: string,
  error: string,
  retentionS: number,
): Promise<void> {
  await db.query(
    `UPDATE bulk_export SET status = 'failed', error = $2, completed_at = clock_timestamp(),
       expires_at = clock_timestamp() + $3::double precision * interval '1 second'
     WHERE id = $1 AND status = 'in-progress'`,
    [id, error, retentionS],
  );
}

/** DELETE on the status URL: cancelled now, removed by the next clean-up. */
export async function cancelExport(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE bulk_export SET status = 'cancelled', completed_at = clock_timestamp(), expires_at = clock_timestamp()
     WHERE id = $1 AND status IN ('in-progress', 'completed', 'failed')`,
    [id],
  );
  return rowCount > 0;
}

/** Exports past their retention (and cancelled ones): the clean-up removes their files, then them. */
export async function expiredExports(db: Queryable, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM bulk_export WHERE expires_at <= clock_timestamp() ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.id);
}

export async function deleteExport(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM bulk_export WHERE id = $1', [id]);
}

/** Exports still running, for a start-up that finds no job for them (their job was lost). */
export async function inProgressExports(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM bulk_export WHERE status = 'in-progress'`);
  return rows.map((row) => row.id);
}
