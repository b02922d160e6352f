// The last few kilobytes a test server's process printed, for the error when it fails to start.
import type { ChildProcess } from 'node:child_process';

export function collectOutput(child: ChildProcess, what: string): () => string {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.on('error', (error) => append(Buffer.from(`could not run ${what}: ${error.message}\n`)));
  return () => text.trim();
}
