import { ensureTemplate } from './pglite-template.js';

export default async function setup(): Promise<void> {
  await ensureTemplate();
}
