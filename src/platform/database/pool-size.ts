/**
 * DB_BACKGROUND_POOL_SIZE's default, apart from the driver so that loading the configuration does
 * not load `pg` (the embedded database never needs it).
 */

/** A quarter of the request pool, at least two. */
export function defaultBackgroundPoolSize(requestPoolSize: number): number {
  return Math.max(2, Math.ceil(requestPoolSize / 4));
}
