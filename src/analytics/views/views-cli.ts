/**
 * `pathways views run <view.json | shipped view name> [--format json|ndjson|csv] [--pseudonymise]`:
 * runs a ViewDefinition over the database and streams its rows to standard output. The CLI is
 * an operator's tool (it holds the database), so rows are as stored unless --pseudonymise.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Database } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import type { Pseudonym } from '../pseudonymise/pseudonymise.js';
import { SHIPPED_VIEWS, shippedView } from './shipped-views.js';
import { parseFormat } from './view-output.js';
import { runView } from './view-run.js';

export interface ViewsCliIo {
  write(chunk: string): Promise<void>;
  error(line: string): void;
  /** Made only when --pseudonymise is given. */
  pseudonym(): Pseudonym;
}

export const VIEWS_USAGE =
  'usage: pathways views run <view.json | name> [--format json|ndjson|csv] [--pseudonymise]\n' +
  `shipped views: ${Object.keys(SHIPPED_VIEWS).join(', ')}`;

export async function runViewsCli(db: Database, args: string[], io: ViewsCliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string' }, pseudonymise: { type: 'boolean' } },
    });
  } catch (error) {
    io.error(`${(error as Error).message}\n${VIEWS_USAGE}`);
    return 2;
  }
  const [target, ...rest] = parsed.positionals;
  if (!target || rest.length > 0) {
    io.error(VIEWS_USAGE);
    return 2;
  }
  try {
    const view = shippedView(target) ?? JSON.parse(await readFile(target, 'utf8'));
    const format = parseFormat(parsed.values.format as string | undefined);
    const { chunks } = runView(db, {
      view,
      format,
      ...(parsed.values.pseudonymise ? { pseudonym: io.pseudonym() } : {}),
    });
    for await (const chunk of chunks) await io.write(chunk);
    if (format === 'json') await io.write('\n');
    return 0;
  } catch (error) {
    if (error instanceof Problem) {
      io.error(
        `${error.issues[0]?.expression ? `${error.issues[0].expression}: ` : ''}${error.issues[0]?.diagnostics}`,
      );
      return 2;
    }
    if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.error(`cannot read the view ${target}: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}
