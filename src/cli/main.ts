/** Entry point of the `spool` binary (see bin/spool). */
import { main } from './program.js';

await main(process.argv);
