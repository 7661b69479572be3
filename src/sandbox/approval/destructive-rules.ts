/**
 * Destructive commands, as data: what they destroy cannot be restored, and the sandbox does not
 * protect the workspace itself (a sandboxed `rm -rf src` still deletes `src`). A command matching
 * a rule is asked first under every approval policy that asks, and refused under `never`.
 *
 * A rule names programs (basenames; a trailing `*` matches any suffix), optionally a subcommand
 * (git), how the program's options read, and conditions: any one that holds makes the command
 * destructive; a rule without conditions always does. Options are matched the way the program
 * reads them (clusters, attached values, abbreviations; see `options.ts`).
 */
import type { OptionGrammar } from './options.js';

export interface DestructiveCondition {
  /** Any of these options is given (`-f`, `--force`). */
  options?: readonly string[];
  /** None of these options is given. */
  withoutOptions?: readonly string[];
  /** An operand is one of these. */
  operandIs?: readonly string[];
  /** An operand starts with one of these. */
  operandStartsWith?: readonly string[];
  /** Something follows `--` (pathspecs, for git). */
  afterDoubleDash?: boolean;
}

export interface DestructiveRule {
  programs: readonly string[];
  /** The subcommand, for programs that have them (git). */
  subcommands?: readonly string[];
  grammar?: OptionGrammar;
  /** Any one holding makes the command destructive; absent: always. */
  when?: readonly DestructiveCondition[];
  /** What it destroys, for the question and the refusal. */
  reason: string;
}

/** git's own options, before the subcommand. */
export const GIT_GLOBAL_GRAMMAR: OptionGrammar = {
  shortWithValue: 'Cc',
  longWithValue: [
    '--git-dir',
    '--work-tree',
    '--namespace',
    '--config-env',
    '--super-prefix',
    '--attr-source',
  ],
  stopAtOperand: true,
};

export const DESTRUCTIVE_RULES: readonly DestructiveRule[] = [
  {
    programs: ['rm'],
    when: [{ options: ['-r', '-R', '--recursive', '-f', '--force'] }],
    reason: 'a forced or recursive rm deletes files for good',
  },
  {
    programs: ['chmod', 'chown', 'chgrp'],
    grammar: { longWithValue: ['--reference', '--from'] },
    when: [{ options: ['-R', '--recursive'] }],
    reason: 'a recursive change of permissions or ownership cannot be undone file by file',
  },
  {
    programs: ['find'],
    grammar: { operandsOnly: true },
    when: [{ operandIs: ['-delete'] }],
    reason: 'find -delete deletes every file it matches',
  },
  { programs: ['truncate'], reason: 'truncate cuts files short' },
  {
    programs: ['dd'],
    grammar: { operandsOnly: true },
    when: [{ operandStartsWith: ['of='] }],
    reason: 'dd of= overwrites its output in place',
  },
  {
    programs: ['mkfs', 'mkfs.*', 'mke2fs', 'mkswap', 'wipefs'],
    reason: 'formatting erases a filesystem',
  },
  { programs: ['shred'], reason: 'shred destroys file contents' },
  {
    programs: ['sudo', 'sudoedit', 'su', 'doas', 'pkexec', 'run0', 'runuser'],
    reason: 'it runs a command as another user (usually root)',
  },
  { programs: ['shutdown', 'reboot', 'halt', 'poweroff'], reason: 'it stops the machine' },
  {
    programs: ['rsync'],
    grammar: { shortWithValue: 'eBfFMT', longWithValue: ['--rsh', '--filter', '--exclude', '--include'] },
    when: [
      {
        options: [
          '--delete',
          '--delete-before',
          '--delete-during',
          '--delete-delay',
          '--delete-after',
          '--delete-excluded',
          '--remove-source-files',
        ],
      },
    ],
    reason: 'rsync --delete deletes files at the destination',
  },
  {
    programs: ['git'],
    subcommands: ['push'],
    grammar: { shortWithValue: 'o', longWithValue: ['--repo', '--receive-pack', '--exec', '--push-option'] },
    when: [
      {
        options: [
          '--force',
          '-f',
          '--force-with-lease',
          '--force-if-includes',
          '--mirror',
          '--delete',
          '-d',
          '--prune',
        ],
      },
      // `+main` forces, `:old` deletes.
      { operandStartsWith: ['+', ':'] },
    ],
    reason: 'a forced git push (or a remote delete) rewrites or removes remote history',
  },
  {
    programs: ['git'],
    subcommands: ['reset'],
    when: [{ options: ['--hard', '--merge'] }],
    reason: 'git reset --hard discards uncommitted changes',
  },
  {
    programs: ['git'],
    subcommands: ['clean'],
    grammar: { shortWithValue: 'e', longWithValue: ['--exclude'] },
    when: [{ options: ['-f', '--force'] }],
    reason: 'git clean -f deletes untracked files',
  },
  {
    programs: ['git'],
    subcommands: ['checkout'],
    grammar: { shortWithValue: 'bB', longWithValue: ['--orphan', '--conflict', '--pathspec-from-file'] },
    when: [
      { options: ['-f', '--force', '--pathspec-from-file'] },
      { afterDoubleDash: true },
      { operandIs: ['.', './', ':/', '*'] },
    ],
    reason: 'git checkout of paths discards their uncommitted changes',
  },
  {
    programs: ['git'],
    subcommands: ['restore'],
    grammar: { shortWithValue: 's', longWithValue: ['--source', '--pathspec-from-file'] },
    // `--staged` alone only unstages; the working tree is what holds uncommitted work.
    when: [{ withoutOptions: ['--staged', '-S'] }, { options: ['--worktree', '-W'] }],
    reason: 'git restore discards uncommitted changes in the working tree',
  },
  {
    programs: ['git'],
    subcommands: ['switch'],
    grammar: { shortWithValue: 'cC', longWithValue: ['--create', '--force-create', '--orphan'] },
    when: [{ options: ['--discard-changes', '-f', '--force'] }],
    reason: 'git switch --discard-changes throws away uncommitted changes',
  },
  {
    programs: ['git'],
    subcommands: ['stash'],
    grammar: { shortWithValue: 'm', longWithValue: ['--message', '--pathspec-from-file'] },
    when: [{ operandIs: ['drop', 'clear'] }],
    reason: 'git stash drop/clear deletes stashed work',
  },
  {
    programs: ['git'],
    subcommands: ['branch'],
    when: [{ options: ['-D'] }],
    reason: 'git branch -D deletes a branch whatever it holds',
  },
  {
    programs: ['git'],
    subcommands: ['rm'],
    when: [{ options: ['-f', '--force'] }],
    reason: 'git rm -f deletes files with uncommitted changes',
  },
];
