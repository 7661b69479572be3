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

  /**
   * Adding input to a running turn needs the agent loop to take it before its next model request;
   * the Thread API cannot do that yet, so the request is checked and then refused.
   */
  'turn/steer': defineMethod(TurnSteerParams, (ctx, params) => {
    const loaded = ctx.server.threads.requireFor(ctx.connection, params.threadId);
    const active = loaded.activeTurnId;
    if (!active) throw invalidRequest(`no turn is running on thread ${params.threadId}; use turn/start`);
    if (active !== params.expectedTurnId)
      throw invalidRequest(`expectedTurnId ${params.expectedTurnId} is not the running turn (${active})`);
    throw invalidRequest(
      'turn/steer is not supported by Spool yet: a running turn cannot take more input. ' +
        'Send it with turn/start when the turn completes, or turn/interrupt and start a new turn with it.',
    );
  }),

  'turn/interrupt': defineMethod(TurnInterruptParams, (ctx, params) => {
    ctx.server.threads.requireFor(ctx.connection, params.threadId).interrupt(params.turnId);
    return {};
  }),
};
