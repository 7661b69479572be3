/**
 * What the model is told about a tool: the Responses API's `tools[]` entry. The model layer sends it,
 * the tools layer declares it; neither imports the other.
 */

/** A tool definition exactly as the Responses API takes it (`tools[]`). */
export type ToolSpec =
  | {
      type: 'function';
      name: string;
      description: string;
      strict: boolean;
      parameters: Record<string, unknown>;
    }
  | {
      type: 'custom';
      name: string;
      description: string;
      format: { type: 'grammar'; syntax: 'lark' | 'regex'; definition: string } | { type: 'text' };
    };
