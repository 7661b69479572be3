/**
 * Puts the guardian before the human on a thread when the configuration says
 * `approvals_reviewer = "auto_review"`. Front ends call this once per thread they open and close
 * what it returns with the thread.
 *
 * The guardian runs on its own ephemeral thread: the configured model (or `guardian_model`),
 * sandbox read-only, approval `never`, no MCP servers, no tool that writes (only the shell, whose
 * commands the read-only sandbox confines), and structured output in the assessment's schema.
 */
import type { Thread } from '../agent/thread.js';
import type { Runtime } from '../config/runtime.js';
import { loadProjectDocs } from '../context/project-docs.js';
import type { ModelClient } from '../model/types.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { openThread } from '../session/open-thread.js';
import { builtinTools } from '../session/tools.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { ToolRegistry } from '../tools/registry.js';
import { GuardianConversations, type OpenGuardianThread } from './conversation.js';
import { ASSESSMENT_SCHEMA, guardianPolicy, guardianSection } from './policy.js';
import { GuardianReviewer } from './reviewer.js';

/** How long one review may take (Codex's 90 s) unless `[auto_review] timeout_sec` says otherwise. */
const DEFAULT_REVIEW_TIMEOUT_MS = 90_000;
/** Attempts of one guardian request on transient errors (the first and two retries). */
const GUARDIAN_RETRIES = 2;
/** The tools the guardian may call: reading commands only (the sandbox is read-only). */
const READ_ONLY_TOOLS = new Set(['shell', 'shell_command', 'exec_command', 'write_stdin']);

interface AttachGuardianOptions {
  /** Whether a person can answer an escalation right now (else escalations are denials). */
  humanAttached: () => boolean;
  /** Replaces the model client built from the runtime (the app-server's seam, like openThread's). */
  createModelClient?: (runtime: Runtime) => ModelClient;
}

export interface AttachedGuardian {
  reviewer: GuardianReviewer;
  /** Detaches the guardian and closes its threads. */
  close(): Promise<void>;
}

/** Whether this configuration routes approvals to the guardian. */
function guardianEnabled(runtime: Runtime): boolean {
  return runtime.config.approvals_reviewer === 'auto_review';
}

/** The `## Guardian` sections of the AGENTS.md files that apply in `settings.cwd`. */
function projectGuardianSections(settings: ThreadSettings): string[] {
  const docs = loadProjectDocs({
    cwd: settings.cwd,
    spoolHome: settings.spoolHome,
    maxBytes: settings.projectDocMaxBytes,
    fallbackFilenames: settings.projectDocFallbackFilenames,
  });
  return docs.docs.flatMap((doc) => {
    const section = guardianSection(doc.text);
    return section ? [section] : [];
  });
}

/** The guardian thread's settings, derived from the reviewed thread's. */
function guardianSettings(runtime: Runtime, reviewed: ThreadSettings): ThreadSettings {
  const { config } = runtime;
  return {
    ...reviewed,
    model: config.guardian_model ?? reviewed.model,
    developerInstructions: guardianPolicy({
      configured: config.auto_review?.policy,
      projectSections: projectGuardianSections(reviewed),
    }),
    sandbox: {
      mode: 'read-only',
      writableRoots: [],
      networkAccess: false,
      excludeTmpdirEnvVar: reviewed.sandbox.excludeTmpdirEnvVar,
      excludeSlashTmp: reviewed.sandbox.excludeSlashTmp,
    },
    approvalPolicy: 'never',
    bypassSandbox: false,
    outputSchema: { schema: ASSESSMENT_SCHEMA, strict: true },
    retry: {
      ...reviewed.retry,
      requestMaxRetries: Math.min(reviewed.retry.requestMaxRetries, GUARDIAN_RETRIES),
      streamMaxRetries: Math.min(reviewed.retry.streamMaxRetries, GUARDIAN_RETRIES),
    },
  };
}

/** The built-in tools less everything that writes or plans: the shell, in a read-only sandbox. */
function readOnlyTools(settings: ThreadSettings): ThreadTools {
  const tools = builtinTools(settings);
  const kept = tools.registry.specs
    .filter((spec) => READ_ONLY_TOOLS.has(spec.name))
    .flatMap((spec) => {
      const handler = tools.registry.get(spec.name);
      return handler ? [handler] : [];
    });
  return {
    registry: new ToolRegistry(kept, [], { maxArgumentBytes: tools.registry.maxArgumentBytes }),
    close: tools.close,
  };
}

/**
 * Sets the guardian as `thread`'s approval reviewer when `runtime` asks for it; undefined (and
 * nothing changed) otherwise.
 */
export function attachGuardian(
  thread: Thread,
  runtime: Runtime,
  options: AttachGuardianOptions,
): AttachedGuardian | undefined {
  if (!guardianEnabled(runtime)) return undefined;
  const timeoutMs = Math.round(
    (runtime.config.auto_review?.timeout_sec ?? DEFAULT_REVIEW_TIMEOUT_MS / 1000) * 1000,
  );
  const open: OpenGuardianThread = (from) => {
    const settings = guardianSettings(runtime, thread.settings);
    const tools = readOnlyTools(settings);
    const guardianRuntime: Runtime = { ...runtime, settings };
    const start = from
      ? {
          kind: 'ephemeral' as const,
          history: from.history,
          ...(from.contextSnapshot ? { contextSnapshot: from.contextSnapshot } : {}),
        }
      : { kind: 'ephemeral' as const };
    try {
      return openThread(guardianRuntime, tools, start, {
        ...(options.createModelClient ? { createModelClient: options.createModelClient } : {}),
        // The guardian's reviews count toward the reviewed thread's spend caps.
        budget: thread.budget,
      }).thread;
    } catch (err) {
      void tools.close();
      throw err;
    }
  };
  const conversations = new GuardianConversations(open, timeoutMs);
  const reviewer = new GuardianReviewer({
    thread: {
      id: thread.id,
      history: () => thread.history,
      sandbox: () => thread.settings.sandbox.mode,
      addDeveloperNote: (text) => thread.addDeveloperNote(text),
    },
    conversations,
    humanAttached: options.humanAttached,
    timeoutMs,
  });
  thread.setApprovalReviewer(reviewer);
  return {
    reviewer,
    close: async () => {
      thread.setApprovalReviewer(undefined);
      await conversations.close();
    },
  };
}
