/** Entry point of the `spool` binary (see bin/spool). */
import { closeInheritedDescriptors, descriptorsNamedIn } from '../sandbox/inherited-descriptors.js';
import { main } from './program.js';

// Before anything can be spawned: no command may receive a descriptor Spool inherited.
closeInheritedDescriptors(descriptorsNamedIn(process.argv));
await main(process.argv);
