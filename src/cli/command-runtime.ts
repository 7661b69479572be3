/** Loading the runtime for a command: configuration errors become a message and exit code 2. */
import { exitForConfigError } from '../config/load.js';
import { type CliFlags, type FrontEndDefaults, loadRuntime, type Runtime } from '../config/runtime.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** The runtime, with its warnings printed; or the exit code of a configuration error. */
export function runtimeForCommand(
  flags: CliFlags,
  io: CommandIo,
  frontEnd?: FrontEndDefaults,
): Runtime | number {
  try {
    const runtime = loadRuntime(flags, io.env, frontEnd);
    for (const warning of runtime.warnings) io.stderr.write(`spool: warning: ${warning}\n`);
    return runtime;
  } catch (err) {
    return exitForConfigError(err, io.stderr);
  }
}
