/**
 * Every PostgreSQL advisory lock key the platform takes at start, in one place so two purposes
 * never share a number by accident (capabilities keep their row-level keys beside their code).
 */
export const LOCKS = {
  /** Held by each migration's transaction: replicas starting together apply each file once. */
  migrations: 7_301_001,
  /**
   * Held across first-start work that is not a migration (pg-boss's schema and queues): replicas starting together do it one after another, the later ones finding it done.
   */
  startup: 7_301_002,
  /** Held while demo data is seeded (PATHWAYS_DEMO): one replica seeds, the others find it seeded. */
  demo: 7_301_007,
} as const;
