/** Entry point of the `spool` binary (see bin/spool). */
import { spoolHome } from '../config/home.js';
import { closeInheritedDescriptors, descriptorsNamedIn } from '../sandbox/inherited-descriptors.js';
import { sweepLeftoverMountPoints } from '../sandbox/linux/mount-points.js';
import { exitQuietlyWhenOutputCloses } from './closed-output.js';
import { main } from './program.js';

async function start(argv: string[]): Promise<void> {
  // Before anything can be spawned: no command may receive a descriptor Spool inherited.
  closeInheritedDescriptors(descriptorsNamedIn(argv));
  // A reader that goes away (`spool … | head -1`) ends a command quietly, never with a stack trace.
  exitQuietlyWhenOutputCloses();
  // What a Spool killed mid-command left in the user's tree (empty sandbox mount points) goes while
  // the command starts: the sweep is a few file operations under the registry's lock (~8 ms of
  // waiting on the disk), and a sandbox this command leases takes the same lock (mount-points.ts).
  const swept = process.platform === 'linux' ? sweepLeftoverMountPoints(spoolHome()) : undefined;
  await Promise.all([swept, main(argv)]);
}

// No top-level await: the bundle is a CommonJS script (scripts/build.mjs). A failure is still an
// unhandled rejection, which Node reports and exits 1 on, as a rejected top-level await did.
void start(process.argv);
