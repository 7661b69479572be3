/** Entry point of the `spool` binary (see bin/spool). */
import { spoolHome } from '../config/home.js';
import { closeInheritedDescriptors, descriptorsNamedIn } from '../sandbox/inherited-descriptors.js';
import { sweepLeftoverMountPoints } from '../sandbox/linux/mount-points.js';
import { exitQuietlyWhenOutputCloses } from './closed-output.js';
import { main } from './program.js';

// Before anything can be spawned: no command may receive a descriptor Spool inherited.
closeInheritedDescriptors(descriptorsNamedIn(process.argv));
// A reader that goes away (`spool … | head -1`) ends a command quietly, never with a stack trace.
exitQuietlyWhenOutputCloses();
// What a Spool killed mid-command left in the user's tree (empty sandbox mount points) goes now.
if (process.platform === 'linux') await sweepLeftoverMountPoints(spoolHome());
await main(process.argv);
