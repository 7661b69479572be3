/** Approval decisions, known-safe and dangerous commands, exec-policy rules. */
export {
  assessCommand,
  assessPatch,
  type CommandAssessment,
  type CommandFacts,
  type OnSandboxDenial,
  type PatchAssessment,
  type PatchFacts,
} from './assess.js';
export { type DangerContext, dangerousCommandReason, dangerousReason } from './dangerous.js';
export { looksLikeSandboxDenial } from './denial.js';
export {
  decideRules,
  type ExecRule,
  type ExecRules,
  loadExecRules,
  matchCommand,
  matchRules,
  NO_RULES,
  parseExecRules,
  RULES_FILE_NAME,
  RuleDecision,
  type RuleMatch,
  type RulesLoad,
  rulesFile,
  saveAllowRule,
} from './exec-rules.js';
export { areKnownSafe, isKnownSafeCommand, isSafeCommandWords } from './safe-commands.js';
export { commandSessionKey, patchSessionKey, sessionApprovalOf } from './session.js';
export {
  analyzeCommand,
  everyCommand,
  plainCommands,
  plainCommandsOfScript,
  shellScriptOf,
  type Word,
} from './shell-words.js';
