#!/usr/bin/env node
/**
 * `npm start`: build what is stale, then serve the demo in this same process. npm starts this
 * script with `exec`, so the process a supervisor signals is the server itself: SIGTERM drains
 * and exits it instead of leaving an orphan holding the port and the data folder.
 */
import { buildIfStale } from './build.js';

buildIfStale();
process.env.PATHWAYS_DEMO ??= '1';
process.argv.splice(2, process.argv.length, 'serve');
await import('../dist/cli.js');
