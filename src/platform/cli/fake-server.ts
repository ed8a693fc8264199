/**
 * What the `pathways fake-*` commands (stand-in servers run as processes for development and
 * process-level tests: the fake EPR, the fake ePMS) do alike: read `--port`, print one line at a
 * time on standard output, and close the server and exit on SIGTERM or SIGINT. Generic process
 * plumbing, so in the kernel; each fake keeps its own options and server.
 */

/** Where a fake prints its lines (JSON or text); standard output unless a test passes its own. */
export type LineOut = (line: string) => void;

export const stdoutLines: LineOut = (line) => {
  process.stdout.write(`${line}\n`);
};

/** `--port`: a whole number 0–65535 (0: any free port); otherwise an error naming the usage. */
export function portArgument(value: string, usage: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new Error(`--port: not a port (0–65535): ${value}\n${usage}`);
  return port;
}

/** Closes the server on the first SIGTERM or SIGINT, then exits 0. */
export function closeOnSignals(close: () => Promise<unknown>): void {
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
