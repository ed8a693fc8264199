/**
 * Which sign-in sessions have been revoked, in memory, so that every request can ask without a
 * database round trip (docs/api.md §3: suspension, lockout and refresh-family revocation
 * stop live access tokens within seconds on every replica).
 *
 * A person's access token names its refresh family in `sid`. Each replica polls the families
 * revoked recently (`oauth_refresh_family.revoked_at`, indexed) every `pollMs`, so a revocation
 * made by any replica stops the token everywhere within about a second; the replica that revoked
 * refreshes at once (`refresh()` after its transaction commits). Polls overlap by `overlapMs`, so
 * a revocation whose transaction committed after a poll began is still seen by the next one.
 * A family stays in memory as long as a token issued from it can live (the 30-minute ceiling plus
 * a margin); nothing it could have issued is alive after that.
 *
 * When the database cannot be read, the last known set stays in force (logged once per outage).
 */
import type { Queryable } from '../../platform/database/database.js';
import { MAX_ACCESS_TOKEN_TTL_S } from './claims.js';

export const REVOCATION_POLL_MS = 1_000;
const OVERLAP_MS = 2 * 60_000;
const RETAIN_MS = MAX_ACCESS_TOKEN_TTL_S * 1000 + 5 * 60_000;

export interface RevokedSessionsOptions {
  pollMs?: number;
  log?: { warn: (object: object, message: string) => void };
}

type Row = { id: string | null; at_ms: number | string };

export class RevokedSessions {
  /** Family id → when it was revoked (database clock, epoch ms). */
  private readonly revoked = new Map<string, number>();
  /** Database time at the start of the last successful poll. */
  private polledAtMs: number | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly db: Queryable,
    private readonly options: RevokedSessionsOptions = {},
  ) {}

  /** In memory only: safe on the hot path of every request. */
  has(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  get size(): number {
    return this.revoked.size;
  }

  /**
   * Reads what was revoked since the last poll. Calls while a poll runs share one follow-up poll,
   * which starts after the running one: a caller that just committed a revocation is sure to see it.
   */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = this.poll().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  /** Loads the current set, then polls every `pollMs` (the timer does not keep the process alive). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      void this.refresh();
    }, this.options.pollMs ?? REVOCATION_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async poll(): Promise<void> {
    try {
      const since =
        this.polledAtMs === undefined ? null : new Date(this.polledAtMs - OVERLAP_MS).toISOString();
      // The first row (id NULL) is the database's clock: the cursor of the next poll.
      const result = await this.db.query<Row>(
        `SELECT NULL::text AS id, extract(epoch FROM now())::float8 * 1000 AS at_ms
         UNION ALL
         SELECT id::text, extract(epoch FROM revoked_at)::float8 * 1000 FROM oauth_refresh_family
          WHERE revoked_at IS NOT NULL
            AND revoked_at > COALESCE($1::timestamptz, now() - make_interval(secs => $2))`,
        [since, RETAIN_MS / 1000],
      );
      let nowMs: number | undefined;
      for (const row of result.rows) {
        if (row.id === null) nowMs = Number(row.at_ms);
        else this.revoked.set(row.id, Number(row.at_ms));
      }
      if (nowMs === undefined) return;
      for (const [id, atMs] of this.revoked) {
        if (atMs < nowMs - RETAIN_MS) this.revoked.delete(id);
      }
      this.polledAtMs = nowMs;
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.options.log?.warn(
          { err: error },
          'could not read revoked sessions; the last known revocations stay in force',
        );
      }
      this.failing = true;
    }
  }
}
