/**
 * fs/readFile, fs/writeFile, fs/readDirectory, fs/getMetadata: the host file system, by absolute
 * path. Contents travel as base64.
 *
 * For the human's own session (stdio, the terminal UI) these act for the user, without a sandbox.
 * A client connected over the network is held to what the server's sandbox allows a command: it
 * writes only inside the server's writable roots (never `.git`, `.spool`, `.agents` or Spool's
 * home), and reads nothing in Spool's home (configuration, credentials, sessions, the WebSocket
 * token) — so a token that leaked is not a way around the sandbox.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spoolHome } from '../../config/home.js';
import { onSystemError } from '../../protocol/errors.js';
import {
  buildWritePolicy,
  checkWritePath,
  isWithin,
  resolvePhysicalPath,
} from '../../sandbox/write-policy.js';
import { invalidParams, invalidRequest } from '../jsonrpc.js';
import { FsPathParams, FsWriteFileParams } from '../params.js';
import { defineMethod, type MethodContext, type MethodTable } from '../router.js';
import { serverSettings } from '../runtime.js';
import { NETWORK_CLIENT_BOUND } from './command-exec.js';

function absolute(file: string): string {
  if (!path.isAbsolute(file)) throw invalidParams(`path must be absolute, not ${JSON.stringify(file)}`);
  return path.normalize(file);
}

/** A file-system failure as a clear error naming the path. */
function failure(what: string, file: string, err: unknown): never {
  const error = err as NodeJS.ErrnoException;
  const reason =
    error.code === 'ENOENT'
      ? 'no such file or directory'
      : error.code === 'EACCES' || error.code === 'EPERM'
        ? 'permission denied'
        : error.code === 'EISDIR'
          ? 'is a directory'
          : error.code === 'ENOTDIR'
            ? 'not a directory'
            : error.message;
  throw invalidRequest(`${what} ${file}: ${reason}`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A network client may not look into Spool's home (resolved, so no symlink leads there). */
async function checkReadable(ctx: MethodContext, file: string): Promise<void> {
  if (ctx.connection.ownSession) return;
  const home = await resolvePhysicalPath(spoolHome(ctx.server.ctx.env));
  const real = await resolvePhysicalPath(file);
  if (isWithin(real, home) || isWithin(path.resolve(file), home))
    throw invalidRequest(
      `cannot read ${file}: it is inside Spool's home, which clients connected over the network cannot read`,
    );
}

/** A network client writes only where the server's sandbox lets a command write. */
async function checkWritable(ctx: MethodContext, file: string): Promise<void> {
  if (ctx.connection.ownSession) return;
  const settings = serverSettings(ctx.server.ctx, undefined);
  if (settings.bypassSandbox) return;
  const policy = await buildWritePolicy(settings.sandbox, {
    cwd: settings.cwd,
    spoolHome: spoolHome(ctx.server.ctx.env),
    env: ctx.server.ctx.env,
  });
  const check = await checkWritePath(policy, file, { cwd: settings.cwd });
  if (!check.allowed) throw invalidRequest(`cannot write ${check.message} ${NETWORK_CLIENT_BOUND}`);
}

export const fsMethods: MethodTable = {
  'fs/readFile': defineMethod(FsPathParams, async (ctx, params) => {
    const file = absolute(params.path);
    await checkReadable(ctx, file);
    const limit = ctx.server.ctx.limits.maxReadFileBytes;
    try {
      const stat = await fs.stat(file);
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (stat.size > limit)
        throw invalidRequest(
          `cannot read ${file}: ${stat.size} bytes is more than fs/readFile returns (${limit})`,
        );
      return { dataBase64: (await fs.readFile(file)).toString('base64') };
    } catch (err) {
      if (err instanceof Error && err.name === 'RpcError') throw err;
      failure('cannot read', file, err);
    }
  }),

  'fs/writeFile': defineMethod(FsWriteFileParams, async (ctx, params) => {
    const file = absolute(params.path);
    await checkWritable(ctx, file);
    const text = params.dataBase64.replace(/\s+/g, '');
    if (text.length % 4 === 1 || !BASE64.test(text)) throw invalidParams('dataBase64 is not valid base64');
    try {
      await fs.writeFile(file, Buffer.from(text, 'base64'));
    } catch (err) {
      failure('cannot write', file, err);
    }
    return {};
  }),

  'fs/readDirectory': defineMethod(FsPathParams, async (ctx, params) => {
    const dir = absolute(params.path);
    await checkReadable(ctx, dir);
    try {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      const shown = await Promise.all(
        entries.map(async (entry) => {
          let isDirectory = entry.isDirectory();
          let isFile = entry.isFile();
          if (entry.isSymbolicLink()) {
            // What the link resolves to (a dangling link is neither).
            const target = await fs.stat(path.join(dir, entry.name)).catch(onSystemError(undefined));
            isDirectory = target?.isDirectory() ?? false;
            isFile = target?.isFile() ?? false;
          }
          return { fileName: entry.name, isDirectory, isFile };
        }),
      );
      return {
        entries: shown.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0)),
      };
    } catch (err) {
      failure('cannot read the directory', dir, err);
    }
  }),

  'fs/getMetadata': defineMethod(FsPathParams, async (ctx, params) => {
    const file = absolute(params.path);
    await checkReadable(ctx, file);
    try {
      const link = await fs.lstat(file);
      const target = link.isSymbolicLink() ? await fs.stat(file).catch(onSystemError(undefined)) : link;
      return {
        isDirectory: target?.isDirectory() ?? false,
        isFile: target?.isFile() ?? false,
        isSymlink: link.isSymbolicLink(),
        createdAtMs: Math.floor((target ?? link).birthtimeMs),
        modifiedAtMs: Math.floor((target ?? link).mtimeMs),
      };
    } catch (err) {
      failure('cannot inspect', file, err);
    }
  }),
};
