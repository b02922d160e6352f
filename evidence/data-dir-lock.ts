// One process at a time in an embedded (PGlite) store: PGlite takes no lock of its own, and two
// processes writing one data directory corrupt it. A lock file beside the directory holds the
// owner's process id; one left by a process that is gone is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { EvidenceHeldError, EvidenceUnavailableError } from './errors';

export interface DirLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDirectory(dir: string): DirLock {
  const path = `${dir}.lock`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new EvidenceHeldError(
          `the evidence store ${dir} is open in process ${owner} (a running jml?): PGlite allows one ` +
            `process at a time; stop it, or keep evidence in PostgreSQL (JML_EVIDENCE_URL). If no such ` +
            `process is jml's, remove ${path}`,
          owner,
        );
      }
      unlinkSync(path);
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    const release = () => {
      process.removeListener('exit', release);
      try {
        if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
    process.on('exit', release);
    return { release };
  }
  throw new EvidenceUnavailableError(`could not take the lock ${path}`);
}
