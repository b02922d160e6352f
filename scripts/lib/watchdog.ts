// The watchdog of one process's local servers (see child.ts): it stops their process groups once
// that process is gone, however it went — also by SIGKILL, where no handler of its own runs. Node
// cannot ask the kernel for this (prctl PR_SET_PDEATHSIG), and that would not reach a server's own
// children anyway, so the parent holds the write end of this process's standard input: end of file
// means the parent has exited. One line per change: `+<pgid>` watch a group, `-<pgid>` forget it.
import { stopGroups } from './processes';

const groups = new Set<number>();

// Ctrl-C and a closing terminal are the parent's to handle: this must outlive them to clean up.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const pgid = Number(line.slice(1));
    if (line.startsWith('+')) groups.add(pgid);
    else if (line.startsWith('-')) groups.delete(pgid);
  }
});

let done = false;
function parentGone(): void {
  if (done) return;
  done = true;
  void stopGroups([...groups]).finally(() => process.exit(0));
}
process.stdin.once('end', parentGone);
process.stdin.once('error', parentGone);
