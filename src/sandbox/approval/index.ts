/** Approval decisions, known-safe and destructive commands, exec-policy rules. */
export {
  assessCommand,
  assessPatch,
  type CommandAssessment,
  type CommandFacts,
  type OnSandboxDenial,
  type PatchAssessment,
  type PatchFacts,
} from './assess.js';
export {
  type AnalyzedCommand,
  analyzeCommand,
  analyzeScript,
  type CommandAnalysis,
} from './command-analysis.js';
export { dangerousReason, describeWords, destructiveReason } from './dangerous.js';
export { looksLikeSandboxDenial } from './denial.js';
export { DESTRUCTIVE_RULES, type DestructiveRule } from './destructive-rules.js';
export {
  allowRuleFor,
  decideRules,
  type ExecRule,
  type ExecRules,
  loadExecRules,
  matchCommand,
  NO_RULES,
  parseExecRules,
  RULES_FILE_NAME,
  RuleDecision,
  type RuleMatch,
  type RulesLoad,
  rulesFile,
  saveAllowRule,
} from './exec-rules.js';
export { bannedPrefixReason } from './rule-prefixes.js';
export {
  isKnownSafe,
  isKnownSafeCommand,
  isPrintOnlySedScript,
  isSafeCommandWords,
} from './safe-commands.js';
export {
  type CommandApprovalRequest,
  type CommandApprovalScope,
  commandSessionKey,
  patchSessionKey,
  sessionApprovalOf,
  stdinSessionKey,
} from './session.js';
export { unwrap } from './wrappers.js';
