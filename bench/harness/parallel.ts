/** Runs `count` tasks (given 0 … count-1), `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: (n: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
