/** Loading the runtime for a command: configuration errors become a message and exit code 2. */
import {
  type CliFlags,
  ConfigError,
  type FrontEndDefaults,
  loadRuntime,
  type Runtime,
} from '../config/runtime.js';

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
    if (err instanceof ConfigError) {
      io.stderr.write(`spool: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
