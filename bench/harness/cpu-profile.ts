/**
 * A short text summary of a V8 .cpuprofile: self time by area (our src/ directories, each npm
 * package, Node internals, GC) and the top functions by self time and by inclusive time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time excluding idle, ms. */
  busyMs: number;
  wallMs: number;
  areas: { area: string; ms: number }[];
  /** Time with the area anywhere on the stack (a package and what it calls), wrappers left out. */
  areasInclusive: { area: string; ms: number }[];
  selfTop: { fn: string; ms: number }[];
  inclusiveTop: { fn: string; ms: number }[];
}

/** Where a function lives: `src/platform/fhir/validation`, `pg-protocol`, `node`, `(gc)`. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)')
      return functionName;
    return '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'node_modules');
  }
  if (url.startsWith('node:')) return 'node';
  // PGlite's PostgreSQL, compiled to WebAssembly and running on the server's own thread.
  if (url.startsWith('wasm://')) return '@electric-sql/pglite (wasm)';
  const src = url.indexOf('/src/');
  if (src !== -1)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, -1)
      .join('/');
  const bench = url.indexOf('/bench/');
  if (bench !== -1) return 'bench';
  return 'other';
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  const file = url.replace(/^.*\/(node_modules|src)\//, '$1/').replace(/^file:\/\//, '');
  // Line numbers of .ts files are those of the transpiled code, so they would mislead.
  return `${functionName || '(anonymous)'} ${file}${file.endsWith('.ts') ? '' : `:${lineNumber + 1}`}`;
}

/** Areas that wrap every request, whose inclusive time says nothing. */
const WRAPPERS = new Set([
  'fastify',
  'avvio',
  'find-my-way',
  'node',
  '(native)',
  '(program)',
  '(gc)',
  'bench',
  'tsx',
  'other',
]);

function top(map: Map<string, number>, n: number): { fn: string; ms: number }[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, ms]) => ({ fn, ms }));
}

export function summarizeProfile(file: string, n = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const areasInclusive = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample lasts until the next one (DevTools' convention).
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    if (area === '(idle)') continue;
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const seen = new Set<string>();
    const seenAreas = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!;
      if (frame.callFrame.url === '' && frame.callFrame.functionName === '(root)') break;
      const key = label(frame);
      const frameArea = areaOf(frame.callFrame.url, frame.callFrame.functionName);
      if (!seenAreas.has(frameArea) && !WRAPPERS.has(frameArea)) {
        seenAreas.add(frameArea);
        areasInclusive.set(frameArea, (areasInclusive.get(frameArea) ?? 0) + us);
      }
      if (seen.has(key)) continue; // recursion counts once per sample
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const ms = (map: Map<string, number>) => new Map([...map].map(([key, us]) => [key, us / 1000]));
  return {
    busyMs: busy / 1000,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    areas: top(ms(areas), 14).map(({ fn, ms: value }) => ({ area: fn, ms: value })),
    areasInclusive: top(ms(areasInclusive), 14).map(({ fn, ms: value }) => ({ area: fn, ms: value })),
    selfTop: top(ms(self), n),
    // Inclusive time is only telling for our own functions; framework frames wrap everything.
    inclusiveTop: top(
      new Map([...ms(inclusive)].filter(([key]) => key.includes(' src/') && !key.includes('src/cli.ts'))),
      n,
    ),
  };
}
