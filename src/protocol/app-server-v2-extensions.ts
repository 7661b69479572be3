/**
 * Spool's additions to Codex's app-server v2 messages, as JSON Schema: fields Codex's schema does
 * not have, that Spool sends beside Codex's own (a Codex client reads the fields it knows and
 * ignores these). scripts/app-server-v2-types.ts adds them to Codex's schema before it generates
 * src/protocol/app-server-v2.ts, so the generated types carry them, documented, and nothing types
 * them by hand. An extension only adds properties: it never changes or removes one of Codex's
 * (test/architecture/app-server-v2-types.test.ts checks it).
 *
 * Keyed by the name of the schema object extended: a definition's name, or the `title` of an
 * object inside one (the variants of `ThreadItem` are titled, e.g. `ExitedReviewModeThreadItem`).
 *
 * Codex's bundle lacks its server requests (approvals, request_user_input): their params are
 * declared here too (`V2_SERVER_REQUEST_DEFINITIONS`), by Codex's names, from Codex's own schema
 * files (codex-rs/app-server-protocol/schema/json/ServerRequest.json and v2.rs): the projector
 * builds them, the TUI reads them, the app-server tests validate every request sent against them.
 */
import { z } from 'zod';
import { ReviewResult } from './review.js';

interface JsonSchemaObject {
  [key: string]: unknown;
}

export interface V2Extension {
  /** The added properties (each `description` starts with "Spool's extension"). */
  properties: Record<string, JsonSchemaObject>;
  /** Which of them Spool always sends. */
  required: string[];
}

/** Definitions Spool's extensions refer to (`#/definitions/<name>`), added beside Codex's. */
export const V2_EXTENSION_DEFINITIONS: Record<string, JsonSchemaObject> = {
  SpoolCost: {
    description:
      "Spool's extension: what tokens cost in USD (model/prices.ts); `null` where the model's price is unknown.",
    type: 'object',
    properties: {
      usd: { type: ['number', 'null'] },
      uncachedInputUsd: { type: ['number', 'null'] },
      cachedInputUsd: { type: ['number', 'null'] },
      outputUsd: { type: ['number', 'null'] },
    },
    required: ['usd', 'uncachedInputUsd', 'cachedInputUsd', 'outputUsd'],
  },
  SpoolReviewResult: {
    ...withoutDialect(z.toJSONSchema(ReviewResult, { target: 'draft-7' })),
    title: 'SpoolReviewResult',
    description:
      "Spool's extension: a code review's findings as data (protocol/review.ts), snake_case as the reviewer gives them.",
  },
};

const APPROVAL_DECISIONS = ['accept', 'acceptForSession', 'decline', 'cancel'];

/** Codex's server requests and their params (not in its bundled schema). */
export const V2_SERVER_REQUEST_DEFINITIONS: Record<string, JsonSchemaObject> = {
  CommandExecutionApprovalDecision: {
    oneOf: [
      { type: 'string', enum: APPROVAL_DECISIONS },
      {
        type: 'object',
        title: 'AcceptWithExecpolicyAmendmentDecision',
        properties: {
          acceptWithExecpolicyAmendment: {
            type: 'object',
            properties: { execpolicy_amendment: { type: 'array', items: { type: 'string' } } },
            required: ['execpolicy_amendment'],
            additionalProperties: false,
          },
        },
        required: ['acceptWithExecpolicyAmendment'],
        additionalProperties: false,
      },
    ],
  },
  FileChangeApprovalDecision: { type: 'string', enum: APPROVAL_DECISIONS },
  CommandExecutionRequestApprovalParams: {
    type: 'object',
    properties: {
      threadId: { type: 'string' },
      turnId: { type: 'string' },
      itemId: { type: 'string' },
      startedAtMs: { type: 'integer', format: 'int64' },
      availableDecisions: {
        type: ['array', 'null'],
        items: { $ref: '#/definitions/CommandExecutionApprovalDecision' },
      },
      approvalId: { type: ['string', 'null'] },
      reason: { type: ['string', 'null'] },
      command: { type: ['string', 'null'] },
      cwd: { type: ['string', 'null'] },
      commandActions: { type: ['array', 'null'], items: { $ref: '#/definitions/CommandAction' } },
      proposedExecpolicyAmendment: { type: ['array', 'null'], items: { type: 'string' } },
    },
    required: ['itemId', 'threadId', 'turnId', 'startedAtMs'],
  },
  FileChangeRequestApprovalParams: {
    type: 'object',
    properties: {
      threadId: { type: 'string' },
      turnId: { type: 'string' },
      itemId: { type: 'string' },
      startedAtMs: { type: 'integer', format: 'int64' },
      reason: { type: ['string', 'null'] },
      grantRoot: { type: ['string', 'null'] },
      availableDecisions: {
        type: ['array', 'null'],
        items: { $ref: '#/definitions/FileChangeApprovalDecision' },
      },
    },
    required: ['itemId', 'threadId', 'turnId', 'startedAtMs'],
  },
  /** An MCP tool call to approve, asked in form mode; `_meta` names the tool (Codex's keys). */
  McpServerElicitationRequestParams: {
    type: 'object',
    properties: {
      threadId: { type: 'string' },
      turnId: { type: ['string', 'null'] },
      serverName: { type: 'string' },
      mode: { type: 'string', enum: ['form'] },
      _meta: {
        type: 'object',
        properties: {
          codex_approval_kind: { type: 'string' },
          persist: { type: 'array', items: { type: 'string', enum: ['session', 'always'] } },
          tool_name: { type: 'string' },
          tool_params: {},
        },
        additionalProperties: true,
      },
      message: { type: 'string' },
      requestedSchema: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['object'] },
          properties: { type: 'object', additionalProperties: true },
          required: { type: 'array', items: { type: 'string' } },
        },
        required: ['type', 'properties'],
      },
    },
    required: ['threadId', 'turnId', 'serverName', 'mode', '_meta', 'message', 'requestedSchema'],
  },
  /** Codex's `ToolRequestUserInputParams` (v2.rs; experimental). */
  ToolRequestUserInputParams: {
    type: 'object',
    properties: {
      threadId: { type: 'string' },
      turnId: { type: 'string' },
      itemId: { type: 'string' },
      questions: {
        type: 'array',
        items: {
          type: 'object',
          title: 'ToolRequestUserInputQuestion',
          properties: {
            id: { type: 'string' },
            header: { type: 'string' },
            question: { type: 'string' },
            isOther: { type: 'boolean' },
            isSecret: { type: 'boolean' },
            options: {
              type: ['array', 'null'],
              items: {
                type: 'object',
                title: 'ToolRequestUserInputOption',
                properties: { label: { type: 'string' }, description: { type: 'string' } },
                required: ['label', 'description'],
                additionalProperties: false,
              },
            },
          },
          required: ['id', 'header', 'question', 'options'],
          additionalProperties: false,
        },
      },
    },
    required: ['threadId', 'turnId', 'itemId', 'questions'],
    additionalProperties: false,
  },
  /** Every server request Spool sends, as `{ method, params }`. */
  ServerRequestMessage: {
    oneOf: [
      ['item/tool/requestUserInput', 'ToolRequestUserInputParams'],
      ['item/commandExecution/requestApproval', 'CommandExecutionRequestApprovalParams'],
      ['item/fileChange/requestApproval', 'FileChangeRequestApprovalParams'],
      ['mcpServer/elicitation/request', 'McpServerElicitationRequestParams'],
    ].map(([method, params]) => ({
      type: 'object',
      properties: {
        method: { type: 'string', enum: [method] },
        params: { $ref: `#/definitions/${params}` },
      },
      required: ['method', 'params'],
    })),
  },
};

export const V2_EXTENSIONS: Record<string, V2Extension> = {
  EnteredReviewModeThreadItem: {
    properties: {
      target: {
        $ref: '#/definitions/ReviewTarget',
        description: "Spool's extension: what is reviewed, as data.",
      },
    },
    required: ['target'],
  },
  ExitedReviewModeThreadItem: {
    properties: {
      reviewId: {
        type: 'string',
        description: "Spool's extension: the reviewer's own session (its thread id).",
      },
      model: { type: 'string', description: "Spool's extension: the model that reviewed." },
      result: {
        anyOf: [{ $ref: '#/definitions/SpoolReviewResult' }, { type: 'null' }],
        description:
          "Spool's extension: the findings as data; null when the reviewer gave none that could be read.",
      },
      notes: {
        type: 'array',
        items: { type: 'string' },
        description: "Spool's extension: what was dropped from the reviewer's answer, and why.",
      },
    },
    required: ['reviewId', 'model', 'result', 'notes'],
  },
  ThreadTokenUsage: {
    properties: {
      cost: {
        type: 'object',
        description:
          "Spool's extension: what the thread, the last response and the turn cost (absent when unpriced).",
        properties: {
          total: { $ref: '#/definitions/SpoolCost' },
          last: { $ref: '#/definitions/SpoolCost' },
          turn: { $ref: '#/definitions/SpoolCost' },
        },
        required: ['total', 'last', 'turn'],
      },
    },
    required: [],
  },
};

function withoutDialect(schema: JsonSchemaObject): JsonSchemaObject {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
