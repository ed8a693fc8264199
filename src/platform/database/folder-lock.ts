/**
 * PGlite's data folder has one owner: two processes writing it corrupt it, and a CLI command that
 * wrote to a folder the server holds would see its work silently lost. The owner keeps a lock file
 * with its pid beside the folder (`pglite.lock`); a second opener is refused with one clear line, unless the pid in
 * the file is no longer running (a crash or kill -9), in which case the lock is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class FolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${folder} is in use by another process (pid ${pid}): stop it first, or use DATABASE_URL`,
    );
    this.name = 'FolderInUseError';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the folder for this process; returns the release. Throws FolderInUseError. */
export function lockFolder(folder: string): () => void {
  const file = `${folder}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (holder(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = holder(file);
      if (pid === process.pid) throw new FolderInUseError(folder, pid);
      if (pid !== undefined && isRunning(pid)) throw new FolderInUseError(folder, pid);
      rmSync(file, { force: true });
    }
  }
  throw new FolderInUseError(folder, holder(file) ?? 0);
}
