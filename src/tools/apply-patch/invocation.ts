/**
 * Recognises apply_patch invoked through the shell tool, so the shell's owner can route it to the
 * engine instead of running it:
 *
 *   ["apply_patch", PATCH]  /  ["applypatch", PATCH]
 *   ["bash", "-lc", "apply_patch <<'EOF'\n…\nEOF\n"]           (also sh/zsh, -c; any heredoc quoting)
 *   ["bash", "-lc", "cd <dir> && apply_patch <<'EOF'\n…\nEOF"]
 *   ["bash", "-lc", "apply_patch '<patch>'"]  /  "cd <dir> && apply_patch \"<patch>\""
 *
 * The script is parsed with tree-sitter-bash, and only these exact shapes match (as in Codex's
 * query): one top-level statement, `cd` with exactly one literal argument joined by `&&`, nothing
 * before or after. Anything else is left to the shell.
 */
import path from 'node:path';
import {
  type BashNode,
  childByField,
  childrenByField,
  literalValue,
  namedChildren,
  parseBash,
} from '../../sandbox/bash-parser.js';

interface ApplyPatchInvocation {
  /** The patch text (heredoc body without its trailing newlines, or the argument). */
  patch: string;
  /** The `cd` target, as written (relative to the command's cwd unless absolute). */
  workdir?: string;
}

const APPLY_PATCH_NAMES = new Set(['apply_patch', 'applypatch']);
const SHELLS = new Set(['bash', 'sh', 'zsh']);
const SCRIPT_FLAGS = new Set(['-c', '-lc']);

function shellScript(argv: readonly string[]): string | undefined {
  if (argv.length !== 3) return undefined;
  const [shell, flag, script] = argv as [string, string, string];
  const name = path
    .basename(shell)
    .replace(/\.[^.]*$/, '')
    .toLowerCase();
  return SHELLS.has(name) && SCRIPT_FLAGS.has(flag) ? script : undefined;
}

/** The command's name if it is a plain `name args…` command (no assignments, no redirects). */
function simpleCommand(node: BashNode): { name: string; args: BashNode[] } | undefined {
  if (node.type !== 'command') return undefined;
  const nameNode = childByField(node, 'name');
  const word = nameNode ? namedChildren(nameNode) : [];
  if (!nameNode || word.length !== 1 || word[0]?.type !== 'word') return undefined;
  const args = childrenByField(node, 'argument');
  if (namedChildren(node).length !== args.length + 1) return undefined;
  return { name: (word[0] as BashNode).text, args };
}

/** `apply_patch ARGS` or `cd DIR && apply_patch ARGS`, with exactly `argCount` arguments. */
function applyPatchCommand(
  node: BashNode,
  argCount: number,
): { args: BashNode[]; workdir?: string } | undefined {
  if (node.type === 'command') {
    const command = simpleCommand(node);
    if (!command || !APPLY_PATCH_NAMES.has(command.name) || command.args.length !== argCount)
      return undefined;
    return { args: command.args };
  }
  if (node.type !== 'list') return undefined;
  const operators = node.children.filter((child) => !child.named);
  const parts = namedChildren(node);
  if (operators.length !== 1 || operators[0]?.type !== '&&' || parts.length !== 2) return undefined;
  const cd = simpleCommand(parts[0] as BashNode);
  const apply = simpleCommand(parts[1] as BashNode);
  if (cd?.name !== 'cd' || cd.args.length !== 1) return undefined;
  if (!apply || !APPLY_PATCH_NAMES.has(apply.name) || apply.args.length !== argCount) return undefined;
  const workdir = literalValue(cd.args[0] as BashNode);
  if (workdir === undefined || workdir === '' || workdir.startsWith('-')) return undefined;
  return { args: apply.args, workdir };
}

function fromHeredoc(statement: BashNode): ApplyPatchInvocation | undefined {
  const body = childByField(statement, 'body');
  const redirects = childrenByField(statement, 'redirect');
  const heredoc = redirects[0];
  if (!body || redirects.length !== 1 || heredoc?.type !== 'heredoc_redirect') return undefined;
  const parts = namedChildren(heredoc).map((child) => child.type);
  if (parts.join(' ') !== 'heredoc_start heredoc_body heredoc_end') return undefined;
  const target = applyPatchCommand(body, 0);
  if (!target) return undefined;
  const text = (namedChildren(heredoc)[1] as BashNode).text.replace(/\n+$/, '');
  return target.workdir === undefined ? { patch: text } : { patch: text, workdir: target.workdir };
}

function fromArgument(statement: BashNode): ApplyPatchInvocation | undefined {
  const target = applyPatchCommand(statement, 1);
  if (!target) return undefined;
  const patch = literalValue(target.args[0] as BashNode);
  if (patch === undefined) return undefined;
  return target.workdir === undefined ? { patch } : { patch, workdir: target.workdir };
}

/** The patch (and `cd` directory) when `argv` runs apply_patch; undefined for any other command. */
export async function extractApplyPatchInvocation(argv: string[]): Promise<ApplyPatchInvocation | undefined> {
  const [first, second] = argv;
  if (argv.length === 2 && first !== undefined && second !== undefined && APPLY_PATCH_NAMES.has(first)) {
    return { patch: second };
  }
  const script = shellScript(argv);
  // Most shell commands are not patches: skip parsing them.
  if (script === undefined || !/apply_?patch/.test(script)) return undefined;
  const tree = await parseBash(script);
  if (tree.hasError) return undefined;
  const statements = namedChildren(tree.root);
  if (statements.length !== 1) return undefined;
  const statement = statements[0] as BashNode;
  return statement.type === 'redirected_statement' ? fromHeredoc(statement) : fromArgument(statement);
}
