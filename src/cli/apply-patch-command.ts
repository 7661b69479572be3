/**
 * `spool apply-patch [PATCH | -]`: the apply_patch engine from the command line, with Codex's exit
 * codes (0 applied, 1 failed, 2 usage). The patch comes from the argument, or from stdin when the
 * argument is `-` or absent. Paths are checked as in workspace-write with the cwd as the root.
 */

import { spoolHome } from '../config/home.js';
import { defaultSandboxPolicy } from '../protocol/policy.js';
import { buildWritePolicy } from '../sandbox/write-policy.js';
import { applyPatch } from '../tools/apply-patch/engine.js';

interface ApplyPatchCommandIo {
  cwd: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = "Usage: spool apply-patch 'PATCH'\n       echo 'PATCH' | spool apply-patch -\n";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', () => resolve());
  });
}

export async function runApplyPatchCommand(
  patchArg: string | undefined,
  io: ApplyPatchCommandIo,
): Promise<number> {
  let patch: string;
  if (patchArg === undefined || patchArg === '-') {
    try {
      patch = await readAll(io.stdin);
    } catch (err) {
      await write(io.stderr, `Error: Failed to read PATCH from stdin.\n${(err as Error).message}\n`);
      return 1;
    }
    if (patch === '') {
      await write(io.stderr, USAGE);
      return 2;
    }
  } else {
    patch = patchArg;
  }
  const policy = await buildWritePolicy(defaultSandboxPolicy('workspace-write'), {
    cwd: io.cwd,
    spoolHome: spoolHome(),
  });
  const outcome = await applyPatch({ patch, cwd: io.cwd, policy });
  if (outcome.status === 'applied') {
    await write(io.stdout, outcome.output);
    return 0;
  }
  await write(io.stderr, outcome.output.endsWith('\n') ? outcome.output : `${outcome.output}\n`);
  return 1;
}
