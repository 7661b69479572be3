/**
 * What the service refuses for particular models, read from the model catalog Spool ships
 * (src/model/models.json — data, matched by name prefix, longest first): reasoning parameters for
 * models that do not reason, and function tools with reasoning on Chat Completions for the
 * families that only take them with `reasoning_effort: "none"`. Models the catalog does not know
 * are not restricted.
 */
import catalog from '../../src/model/models.json' with { type: 'json' };
import type { ShapeProblem } from './request-shapes.js';

type Json = Record<string, unknown>;

interface Entry {
  prefix: string;
  reasoning: boolean;
  chat_tools_need_effort_none?: boolean;
}

function entryFor(model: string): Entry | undefined {
  const name = model.toLowerCase();
  let best: Entry | undefined;
  for (const entry of catalog.models as Entry[]) {
    if (name.startsWith(entry.prefix) && (!best || entry.prefix.length > best.prefix.length)) best = entry;
  }
  return best;
}

function unsupported(param: string): ShapeProblem {
  return {
    message: `Unsupported parameter: '${param}' is not supported with this model.`,
    param,
    code: 'unsupported_parameter',
  };
}

export function responsesModelProblem(body: Json): ShapeProblem | undefined {
  const entry = entryFor(String(body.model));
  const reasoning = body.reasoning as Json | null | undefined;
  if (entry && !entry.reasoning && reasoning && reasoning.effort != null)
    return unsupported('reasoning.effort');
  return undefined;
}

export function chatModelProblem(body: Json): ShapeProblem | undefined {
  const model = String(body.model);
  const entry = entryFor(model);
  if (!entry) return undefined;
  const effort = body.reasoning_effort;
  if (!entry.reasoning && effort != null) return unsupported('reasoning_effort');
  const hasTools = Array.isArray(body.tools) && body.tools.some((tool: Json) => tool?.type === 'function');
  if (entry.chat_tools_need_effort_none && hasTools && effort !== 'none') {
    return {
      message: `Function tools with reasoning_effort are not supported for ${model} in /v1/chat/completions. To use function tools, use /v1/responses or set reasoning_effort to 'none'.`,
      param: 'reasoning_effort',
      code: null,
    };
  }
  return undefined;
}
