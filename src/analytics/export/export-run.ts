/**
 * Runs an export in slices: batches of resources are read in id order, appended to NDJSON files
 * in EXPORT_DIR (one batch in memory at a time, never the export), flushed to disk, and then the
 * checkpoint (type, last id, each file's committed length) is committed. A run that stops for any
 * reason — a restart, a crash, the slice's time being up — leaves a checkpoint; the next run
 * truncates the current file to its committed length and carries on after the last id, so every
 * resource is written exactly once.
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../../platform/database/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { type Pseudonym, pseudonymiseResource } from '../pseudonymise/pseudonymise.js';
import { type BatchRow, readBatch } from './export-query.js';
import {
  claimExport,
  type ExportFile,
  type ExportRecord,
  finishExport,
  listFiles,
  saveCheckpoint,
} from './export-store.js';

export interface ExportRunnerOptions {
  db: Database;
  log: Logger;
  /** EXPORT_DIR: one folder per export. */
  dir: string;
  batchSize: number;
  /** A type's output is split into files of at most this many resources. */
  maxFileResources: number;
  retentionS: number;
  pseudonym: Pseudonym;
}

export type SliceResult = 'completed' | 'more' | 'gone';

export function exportFolder(dir: string, exportId: string): string {
  return path.join(dir, exportId);
}

export function fileNameOf(resourceType: string, part: number): string {
  return `${resourceType}-${part}.ndjson`;
}

/** An open output file and what of it is committed. */
interface OpenFile {
  file: ExportFile;
  handle: FileHandle;
}

export class ExportRunner {
  constructor(private readonly options: ExportRunnerOptions) {}

  /**
   * Runs one export until it is done or its budget (time, and batches if given) is spent (then
   * 'more': run again). 'gone'
   * when it is no longer in progress (cancelled, finished, or taken over by another run).
   */
  async runSlice(exportId: string, budget: { ms: number; batches?: number }): Promise<SliceResult> {
    const { db, batchSize, maxFileResources } = this.options;
    const runToken = randomUUID();
    const record = await claimExport(db, exportId, runToken);
    if (!record) return 'gone';
    const folder = exportFolder(this.options.dir, exportId);
    await mkdir(folder, { recursive: true });
    const files = new Map((await listFiles(db, exportId)).map((file) => [file.fileName, file]));
    await cutToCheckpoint(folder, files.values());
    const deadline = Date.now() + budget.ms;
    let batches = 0;
    let { typeIndex, lastId, exported } = record;
    let current: OpenFile | undefined;
    try {
      while (typeIndex < record.types.length) {
        if (Date.now() >= deadline || batches === budget.batches) return 'more';
        batches += 1;
        const type = record.types[typeIndex]!;
        const rows = await readBatch(db, record, type, lastId, batchSize);
        const touched: ExportFile[] = [];
        let written = 0;
        while (written < rows.length) {
          if (
            !current ||
            current.file.resourceType !== type ||
            current.file.resourceCount >= maxFileResources
          ) {
            if (current) {
              await current.handle.datasync();
              await current.handle.close();
            }
            current = await this.#openFile(folder, files, type, maxFileResources);
          }
          const room = maxFileResources - current.file.resourceCount;
          const chunk = rows.slice(written, written + room);
          await this.#append(current, chunk, record.pseudonymised);
          touched.push({ ...current.file });
          written += chunk.length;
        }
        if (rows.length < batchSize) {
          typeIndex += 1;
          lastId = null;
        } else {
          lastId = rows[rows.length - 1]!.id;
        }
        exported += rows.length;
        // On disk before the checkpoint says so.
        if (touched.length > 0) await current?.handle.datasync();
        const owned = await db.transaction((tx) =>
          saveCheckpoint(tx, exportId, runToken, { typeIndex, lastId, exported, files: touched }),
        );
        if (!owned) return 'gone';
      }
    } finally {
      await current?.handle.close();
    }
    const finished = await finishExport(db, exportId, runToken, {
      status: 'completed',
      retentionS: this.options.retentionS,
    });
    if (finished) this.options.log.info({ exportId, exported }, 'bulk export completed');
    return finished ? 'completed' : 'gone';
  }

  /**
   * The type's last file if it has room, else a new one. A file from an earlier run is cut back to
   * its committed length: whatever that run wrote after its last checkpoint is written again.
   */
  async #openFile(
    folder: string,
    files: Map<string, ExportFile>,
    type: string,
    maxFileResources: number,
  ): Promise<OpenFile> {
    const parts = [...files.values()].filter((file) => file.resourceType === type);
    const last = parts.sort((a, b) => b.part - a.part)[0];
    let file: ExportFile;
    if (last && last.resourceCount < maxFileResources) {
      file = last;
    } else {
      const part = last ? last.part + 1 : 1;
      file = { fileName: fileNameOf(type, part), resourceType: type, part, resourceCount: 0, bytes: 0 };
      files.set(file.fileName, file);
    }
    const filePath = path.join(folder, file.fileName);
    if (file.bytes === 0) {
      return { file, handle: await open(filePath, 'w') };
    }
    // Committed bytes must still be there: if the folder was lost, fail rather than export less.
    const handle = await open(filePath, 'r+');
    const { size } = await handle.stat();
    if (size < file.bytes) {
      await handle.close();
      throw new Error(
        `export file ${file.fileName} is shorter than its checkpoint (${size} < ${file.bytes})`,
      );
    }
    await handle.truncate(file.bytes);
    return { file, handle };
  }

  async #append(target: OpenFile, rows: BatchRow[], pseudonymised: boolean): Promise<void> {
    const lines = rows.map((row) => this.#line(row, pseudonymised));
    const buffer = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    await target.handle.write(buffer, 0, buffer.length, target.file.bytes);
    target.file.bytes += buffer.length;
    target.file.resourceCount += rows.length;
  }

  #line(row: BatchRow, pseudonymised: boolean): string {
    if (pseudonymised) {
      return JSON.stringify(pseudonymiseResource(JSON.parse(row.content) as object, this.options.pseudonym));
    }
    // Stored content is compact JSON; anything with a line break is re-serialised onto one line.
    return row.content.includes('\n') ? JSON.stringify(JSON.parse(row.content)) : row.content;
  }
}

/** Whatever a dead run wrote past the committed length of any file is cut off before going on. */
async function cutToCheckpoint(folder: string, files: Iterable<ExportFile>): Promise<void> {
  for (const file of files) {
    const filePath = path.join(folder, file.fileName);
    const size = await stat(filePath).then(
      (stats) => stats.size,
      () => -1,
    );
    if (size < file.bytes) {
      throw new Error(
        `export file ${file.fileName} is shorter than its checkpoint (${size} < ${file.bytes})`,
      );
    }
    if (size > file.bytes) await truncate(filePath, file.bytes);
  }
}

/** Removes an export's folder (cancelled or past retention). */
export async function removeExportFiles(dir: string, exportId: string): Promise<void> {
  await rm(exportFolder(dir, exportId), { recursive: true, force: true });
}

export type { ExportRecord };
