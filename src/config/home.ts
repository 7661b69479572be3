/** Spool's home directory: `$SPOOL_HOME`, else `~/.spool`. */
import os from 'node:os';
import path from 'node:path';

export function spoolHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SPOOL_HOME?.trim();
  return path.resolve(fromEnv ? fromEnv : path.join(os.homedir(), '.spool'));
}
