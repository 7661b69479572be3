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
