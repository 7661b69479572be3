/** initialize: the handshake every connection starts with. */

import { spoolHome } from '../../config/home.js';
import { VERSION } from '../../version.js';
import { invalidRequest } from '../jsonrpc.js';
import { InitializeParams } from '../params.js';
import { defineMethod, type MethodTable } from '../router.js';

function platformOs(): string {
  if (process.platform === 'darwin') return 'macos';
  if (process.platform === 'win32') return 'windows';
  return process.platform;
}

export const initializeMethods: MethodTable = {
  initialize: defineMethod(InitializeParams, (ctx, params) => {
    const connection = ctx.connection;
    if (connection.initialized) throw invalidRequest('Already initialized');
    connection.initialized = true;
    connection.clientInfo = params.clientInfo;
    connection.optOut = new Set(params.capabilities?.optOutNotificationMethods ?? []);
    return {
      userAgent: `spool/${VERSION} (${platformOs()}; ${process.arch}) ${params.clientInfo.name}/${params.clientInfo.version}`,
      codexHome: spoolHome(ctx.server.ctx.env),
      platformFamily: process.platform === 'win32' ? 'windows' : 'unix',
      platformOs: platformOs(),
    };
  }),
};
