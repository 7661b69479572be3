/** turn/start, turn/steer, turn/interrupt. */
import { invalidRequest } from '../jsonrpc.js';
import { TurnInterruptParams, TurnStartParams, TurnSteerParams } from '../params.js';
import { defineMethod, type MethodTable } from '../router.js';

export const turnMethods: MethodTable = {
  'turn/start': defineMethod(TurnStartParams, async (ctx, params) => {
    const loaded = ctx.server.threads.requireFor(ctx.connection, params.threadId);
    const { turn, release } = await loaded.startTurn(params);
    ctx.after(release);
    return { turn };
  }),

  /** Adds input to the running turn: the loop takes it before its next model request. */
  'turn/steer': defineMethod(TurnSteerParams, (ctx, params) => {
    const loaded = ctx.server.threads.requireFor(ctx.connection, params.threadId);
    const active = loaded.activeTurnId;
    if (!active) throw invalidRequest(`no turn is running on thread ${params.threadId}; use turn/start`);
    if (active !== params.expectedTurnId)
      throw invalidRequest(`expectedTurnId ${params.expectedTurnId} is not the running turn (${active})`);
    const turnId = loaded.steer(params.input);
    if (!turnId) throw invalidRequest(`the turn ${active} has just ended; use turn/start`);
    return { turnId };
  }),

  'turn/interrupt': defineMethod(TurnInterruptParams, (ctx, params) => {
    ctx.server.threads.requireFor(ctx.connection, params.threadId).interrupt(params.turnId);
    return {};
  }),
};
