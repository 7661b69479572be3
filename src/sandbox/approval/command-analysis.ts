/**
 * What a command vector runs, read with the real bash parser (tree-sitter-bash): every simple
 * command anywhere in it (inside substitutions, subshells, functions, `bash -c` scripts, `eval`
 * strings), and the commands wrappers run (`timeout 5 touch x` runs `touch x`; see `wrappers.ts`).
 * Rules, dangerous-command checks and the known-safe judgement all work from this one reading.
 *
 * Three results:
 * - `commands`: every command at every layer, words literal where the source fixes them and
 *   unknown where the shell computes them (a program named by a variable is an unknown word);
 * - `plain`: when the vector is nothing but simple commands joined by `&&`, `||`, `;` and `|`, with
 *   words that run nothing when expanded and redirections that write nowhere (`2>/dev/null`,
 *   `2>&1`, `< file`), the commands that really run, seen through transparent wrappers and shell
 *   scripts; undefined otherwise;
 * - `opaque`: code that will run but cannot be read before it does (`sh -c "$X"`, `eval $X`,
 *   `… | sh`), with why.
 */
import { type BashNode, isInertWord, isLiteral, parseBash, type Word, wordOf } from '../bash-parser.js';
import { settingScript } from './program-settings.js';
import { unwrap } from './wrappers.js';

export interface AnalyzedCommand {
  /** Program first. */
  words: Word[];
  /** The programs that run it, outermost first (`['bash', 'timeout']`); empty at the top. */
  via: string[];
  /**
   * It only passes its work on, unchanged, to commands that are themselves in the list (a shell
   * given a script, `timeout`, `nice`…): judging those judges it.
   */
  transparent: boolean;
}

export interface CommandAnalysis {
  commands: AnalyzedCommand[];
  plain: Word[][] | undefined;
  opaque: string[];
  /** Shells that read their commands from the vector's own standard input (`exec_command "bash"`). */
  readsInput: string[];
}

/** Wrappers within wrappers beyond this are not followed (and count as unreadable). */
const MAX_DEPTH = 8;
/** Commands read from one vector at most; past this the rest counts as unreadable. */
const MAX_COMMANDS = 10_000;

interface Reading {
  commands: AnalyzedCommand[];
  opaque: string[];
  readsInput: string[];
}

export async function analyzeCommand(argv: readonly string[]): Promise<CommandAnalysis> {
  const reading: Reading = { commands: [], opaque: [], readsInput: [] };
  if (argv.length === 0) return { ...reading, plain: undefined };
  const plain = await readWords([...argv], [], 0, reading, false);
  return { ...reading, plain };
}

/**
 * One command's words: record it, then what it runs. Returns its plain leaves: itself, or, for a
 * transparent wrapper or a shell, the commands it runs; undefined when something is not plain.
 * `fed`: its standard input comes from the script (a pipe, a redirection), not from the caller.
 */
async function readWords(
  words: Word[],
  via: string[],
  depth: number,
  reading: Reading,
  fed: boolean,
): Promise<Word[][] | undefined> {
  if (reading.commands.length >= MAX_COMMANDS) {
    if (!reading.opaque.includes('too many commands to read'))
      reading.opaque.push('too many commands to read');
    return undefined;
  }
  const command: AnalyzedCommand = { words, via, transparent: false };
  reading.commands.push(command);
  const step = unwrap(words);
  if (!step || step.inner.length === 0) return [words];
  if (depth >= MAX_DEPTH) {
    reading.opaque.push('commands wrapped too deeply to follow');
    return undefined;
  }
  const inner = [...via, step.program];
  const leaves: Word[][] = [];
  let plain = true;
  for (const part of step.inner) {
    let read: Word[][] | undefined;
    if (part.kind === 'command') read = await readWords(part.words, inner, depth + 1, reading, false);
    else if (part.kind === 'script') {
      if (isLiteral(part.script)) read = await readScript(part.script, inner, depth + 1, reading);
      else reading.opaque.push(`${step.program} runs a script that is computed when it runs`);
    } else if (fed) reading.opaque.push(`${step.program} runs commands it reads from its input`);
    else {
      reading.readsInput.push(step.program);
      read = [words];
    }
    if (read === undefined) plain = false;
    else leaves.push(...read);
  }
  if (!plain) return undefined;
  command.transparent = step.transparent;
  return step.transparent ? leaves : [words];
}

async function readScript(
  source: string,
  via: string[],
  depth: number,
  reading: Reading,
): Promise<Word[][] | undefined> {
  const tree = await parseBash(source);
  if (tree.hasError) reading.opaque.push('a script that does not parse');
  const leaves: Word[][] = [];
  const plain = await readNode(tree.root, { via, depth, reading, leaves, fed: false });
  return plain && !tree.hasError && leaves.length > 0 ? leaves : undefined;
}

interface Place {
  via: string[];
  depth: number;
  reading: Reading;
  /** Where plain commands' leaves go. */
  leaves: Word[][];
  fed: boolean;
}

/** Reads a node and everything in it; true when it is plain. */
async function readNode(node: BashNode, place: Place): Promise<boolean> {
  switch (node.type) {
    case 'program':
    case 'list': {
      let plain = true;
      for (const child of node.children) {
        if (child.type === 'comment') continue;
        if (child.named) plain = (await readNode(child, { ...place, fed: false })) && plain;
        else if (!['&&', '||', ';', '\n'].includes(child.type)) plain = false;
      }
      return plain;
    }
    case 'pipeline': {
      let plain = true;
      let first = true;
      for (const child of node.children) {
        if (child.named) {
          plain = (await readNode(child, { ...place, fed: place.fed || !first })) && plain;
          first = false;
        } else if (child.type !== '|') plain = false;
      }
      return plain;
    }
    case 'redirected_statement': {
      let plain = true;
      let fed = place.fed;
      for (const child of node.children) {
        if (child.field === 'redirect') {
          const redirect = judgeRedirect(child);
          plain = plain && redirect.harmless;
          fed = fed || redirect.input;
          await readNested(child, place);
        }
      }
      for (const child of node.children) {
        if (child.field !== 'redirect' && child.named)
          plain = (await readNode(child, { ...place, fed })) && plain;
      }
      return plain;
    }
    case 'command':
      return readCommandNode(node, place);
    case 'variable_assignment':
      await readSetting(node, place);
      return false;
    default:
      // Compound statements, subshells, functions, assignments, tests…: not plain, but every
      // command inside still counts.
      await readNested(node, place);
      return false;
  }
}

/** Every command inside `node` (not plain, whatever it is). */
async function readNested(node: BashNode, place: Place): Promise<void> {
  for (const child of node.children) {
    if (child.named) await readNode(child, { ...place, leaves: [], fed: false });
  }
}

async function readCommandNode(node: BashNode, place: Place): Promise<boolean> {
  let plain = true;
  let fed = place.fed;
  const words: Word[] = [];
  for (const child of node.children) {
    if (child.field === 'name') {
      const inner = child.children.find((c) => c.named) ?? child;
      words.push(wordOf(inner));
      plain = plain && isInertWord(inner);
    } else if (child.field === 'argument') {
      words.push(wordOf(child));
      plain = plain && isInertWord(child);
    } else if (child.field === 'redirect') {
      const redirect = judgeRedirect(child);
      plain = plain && redirect.harmless;
      fed = fed || redirect.input;
    } else if (child.named) {
      // An assignment before the command (`FOO=1 cmd`): it changes what the command does.
      plain = false;
      if (child.type === 'variable_assignment') {
        await readSetting(child, place);
        continue;
      }
    }
    await readNested(child, place);
  }
  if (words.length === 0) return false;
  const leaves = await readWords(words, place.via, place.depth, place.reading, fed);
  if (!plain || leaves === undefined) return false;
  place.leaves.push(...leaves);
  return true;
}

/**
 * `NAME=VALUE`: the commands in VALUE, and VALUE itself when NAME names a program some command
 * will run (`GIT_PAGER='…' git log`).
 */
async function readSetting(node: BashNode, place: Place): Promise<void> {
  await readNested(node, place);
  const name = node.children.find((c) => c.field === 'name')?.text;
  const value = node.children.find((c) => c.field === 'value');
  if (name === undefined) return;
  const script = settingScript(name, value === undefined ? '' : wordOf(value));
  if (script === undefined) return;
  const via = [...place.via, name];
  if (isLiteral(script)) await readScript(script, via, place.depth + 1, place.reading);
  else place.reading.opaque.push(`${name} names a program that is computed when it runs`);
}

/** Redirections that write nowhere but the terminal or /dev/null. */
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

/** Whether a redirection writes only where it does no harm, and whether it feeds standard input. */
function judgeRedirect(node: BashNode): { harmless: boolean; input: boolean } {
  if (node.type === 'herestring_redirect') {
    const word = node.children.find((c) => c.named);
    return { harmless: word !== undefined && isInertWord(word), input: true };
  }
  if (node.type === 'heredoc_redirect') {
    const body = node.children.find((c) => c.type === 'heredoc_body');
    const inert = (n: BashNode): boolean =>
      [
        'heredoc_body',
        'heredoc_content',
        'simple_expansion',
        'variable_name',
        'special_variable_name',
      ].includes(n.type) && n.children.every((c) => !c.named || inert(c));
    return { harmless: body === undefined || inert(body), input: true };
  }
  if (node.type !== 'file_redirect') return { harmless: false, input: false };
  const operator = node.children.find((c) => !c.named)?.type;
  const target = node.children.find((c) => c.field === 'destination');
  if (target === undefined || !isInertWord(target)) return { harmless: false, input: operator === '<' };
  const value = wordOf(target);
  switch (operator) {
    case '<':
      return { harmless: true, input: true };
    case '>&':
    case '<&':
      return {
        harmless: isLiteral(value) && (/^\d+-?$/.test(value) || value === '-' || HARMLESS_TARGETS.has(value)),
        input: operator === '<&',
      };
    case '>':
    case '>>':
    case '&>':
    case '&>>':
    case '>|':
      return { harmless: isLiteral(value) && HARMLESS_TARGETS.has(value), input: false };
    default:
      return { harmless: false, input: false };
  }
}
