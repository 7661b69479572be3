/**
 * The commands a command vector stands for, read with the real bash parser (tree-sitter-bash):
 * `bash -lc SCRIPT` / `sh -c SCRIPT` are looked into, anything else is one command.
 *
 * `plainCommands` accepts only what cannot hide anything: simple commands of literal words,
 * joined by `&&`, `||`, `;` and `|`. Redirections, substitutions, expansions, globs, subshells,
 * background jobs, environment assignments, compound statements, here-documents and syntax errors
 * all make it answer undefined. `everyCommand` is the best-effort view for warnings: every simple
 * command anywhere in the script, with words the shell would expand left unknown.
 */
import path from 'node:path';
import { type BashNode, literalValue, parseBash } from '../bash-parser.js';

/** A word's literal value, or undefined when the shell would compute it. */
export type Word = string | undefined;

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);

/** The script of `[shell, -c|-lc|-cl, script]` or `[shell, -l, -c, script]`, if argv is one. */
export function shellScriptOf(argv: readonly string[]): string | undefined {
  const [program, ...rest] = argv;
  if (program === undefined || !SHELLS.has(path.basename(program))) return undefined;
  if (rest.length === 2 && ['-c', '-lc', '-cl'].includes(rest[0] as string)) return rest[1];
  if (rest.length === 3 && rest[0] === '-l' && rest[1] === '-c') return rest[2];
  return undefined;
}

function commandWords(node: BashNode): Word[] | 'not-plain' {
  const words: Word[] = [];
  for (const child of node.children) {
    if (child.field === 'name') {
      const inner = child.children.find((c) => c.named) ?? child;
      words.push(literalValue(inner));
    } else if (child.field === 'argument') {
      words.push(literalValue(child));
    } else {
      // variable_assignment (env prefix), redirects, anything else.
      return 'not-plain';
    }
  }
  return words;
}

function collectPlain(node: BashNode, out: string[][]): boolean {
  switch (node.type) {
    case 'program':
      return node.children.every((child) =>
        child.named ? child.type === 'comment' || collectPlain(child, out) : child.type === ';',
      );
    case 'list':
      return node.children.every((child) =>
        child.named ? collectPlain(child, out) : child.type === '&&' || child.type === '||',
      );
    case 'pipeline':
      return node.children.every((child) => (child.named ? collectPlain(child, out) : child.type === '|'));
    case 'command': {
      const words = commandWords(node);
      if (words === 'not-plain' || words.length === 0 || words.some((w) => w === undefined)) return false;
      out.push(words as string[]);
      return true;
    }
    default:
      return false;
  }
}

function plainOfTree(tree: Awaited<ReturnType<typeof parseBash>>): string[][] | undefined {
  if (tree.hasError) return undefined;
  const out: string[][] = [];
  if (!collectPlain(tree.root, out) || out.length === 0) return undefined;
  return out;
}

/** The plain commands of a script, or undefined when it is anything more than plain commands. */
export async function plainCommandsOfScript(script: string): Promise<string[][] | undefined> {
  return plainOfTree(await parseBash(script));
}

/** The plain commands `argv` stands for: a shell script's, or argv itself. */
export async function plainCommands(argv: readonly string[]): Promise<string[][] | undefined> {
  const script = shellScriptOf(argv);
  if (script === undefined) return argv.length > 0 ? [[...argv]] : undefined;
  return plainCommandsOfScript(script);
}

function collectAll(node: BashNode, out: Word[][]): void {
  if (node.type === 'command') {
    const words: Word[] = [];
    for (const child of node.children) {
      if (child.field === 'name') words.push(literalValue(child.children.find((c) => c.named) ?? child));
      else if (child.field === 'argument') words.push(literalValue(child));
    }
    if (words.length > 0) out.push(words);
  }
  for (const child of node.children) collectAll(child, out);
}

/** Every simple command in `argv` (into substitutions, subshells, functions …), best effort. */
export async function everyCommand(argv: readonly string[]): Promise<Word[][]> {
  return (await analyzeCommand(argv)).every;
}

/** Both readings of `argv` from one parse: its plain commands (if that is all it is) and every command. */
export async function analyzeCommand(
  argv: readonly string[],
): Promise<{ plain: string[][] | undefined; every: Word[][] }> {
  const script = shellScriptOf(argv);
  if (script === undefined) return { plain: argv.length > 0 ? [[...argv]] : undefined, every: [[...argv]] };
  const tree = await parseBash(script);
  const every: Word[][] = [];
  collectAll(tree.root, every);
  return { plain: plainOfTree(tree), every };
}
