/**
 * A small, reusable bash parser: tree-sitter-bash (wasm) via web-tree-sitter, returning a plain,
 * immutable snapshot of the syntax tree that needs no freeing and can be inspected freely.
 *
 * The only module state is the lazily created promise of the loaded language and its parser, which
 * is never changed once created. Parsing is synchronous inside that parser, so concurrent callers
 * cannot interleave.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import type { Parser } from 'web-tree-sitter';

export interface BashNode {
  /** Grammar node type: 'program', 'command', 'word', 'heredoc_body', 'ERROR', '&&', … */
  type: string;
  /** Named node (as opposed to punctuation/keywords). */
  named: boolean;
  /** The field this node fills in its parent ('name', 'argument', 'body', 'redirect', …). */
  field?: string;
  /** A node the parser inserted to recover from an error. */
  missing: boolean;
  /** Offsets into the source (UTF-16 code units, like String indices). */
  startIndex: number;
  endIndex: number;
  text: string;
  children: BashNode[];
}

interface BashTree {
  source: string;
  root: BashNode;
  /** The source has syntax errors (ERROR or missing nodes somewhere). */
  hasError: boolean;
}

interface LoadedParser {
  parser: Parser;
}

let loaded: Promise<LoadedParser> | undefined;

/**
 * WebAssembly stays on V8's baseline compiler (Liftoff). The grammar's lexer is one ~160 KB
 * function; after the first parse V8's dynamic tiering recompiles it with TurboFan, which took
 * 0.5 s on an idle machine (seconds under load) and held the main thread the whole time, so the
 * first command's exit, its output and the next request all waited (issue 13, item 15). Baseline
 * code parses a command as fast (the JavaScript tree walk dominates). The flags are read when code
 * is compiled, so setting them before the grammar loads is enough; they only affect tier-up.
 */
const WASM_BASELINE_FLAGS = ['--no-wasm-dynamic-tiering', '--no-wasm-tier-up'] as const;

function loadParser(): Promise<LoadedParser> {
  loaded ??= (async () => {
    for (const flag of WASM_BASELINE_FLAGS) v8.setFlagsFromString(flag);
    const require = createRequire(import.meta.url);
    // Imported here, not at the top: its glue code runs when the parser loads, not at start-up. It
    // is part of the bundle (scripts/build.mjs), so its compiled code is in the code cache, not
    // compiled again by every process's first command; its .wasm is found where it is installed.
    const { Language, Parser } = await import('web-tree-sitter');
    const runtimeDir = path.dirname(require.resolve('web-tree-sitter/tree-sitter.wasm'));
    await Parser.init({ locateFile: (file: string) => path.join(runtimeDir, file) });
    const language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return { parser };
  })();
  return loaded;
}

/**
 * Starts loading the parser, so the first command the model runs does not wait for it. The shell
 * tools call this when the loop prepares them (ToolHandler.prepare): once a request is on the wire,
 * not when a thread starts — loading it (the grammar's glue code, its memory, the collection that
 * memory prompts: ~20 ms of the main thread) ran before the first request had left and delayed it
 * by as much (issue 18). Deferred by setImmediate, so the event that prompted it is handled first.
 * A failure is not lost: the first `parseBash` awaits the same promise and reports it.
 */
export function preloadBashParser(): void {
  if (loaded) return;
  setImmediate(() => {
    loadParser().catch((err: unknown) => {
      // Reported by the first parseBash (same promise); here only kept from being unhandled.
      void err;
    });
  });
}

export async function parseBash(source: string): Promise<BashTree> {
  const { parser } = await loadParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter-bash could not parse the command');
  try {
    const cursor = tree.walk();
    try {
      const build = (field: string | null): BashNode => {
        const node: BashNode = {
          type: cursor.nodeType,
          named: cursor.nodeIsNamed,
          missing: cursor.nodeIsMissing,
          startIndex: cursor.startIndex,
          endIndex: cursor.endIndex,
          text: source.slice(cursor.startIndex, cursor.endIndex),
          children: [],
        };
        if (field) node.field = field;
        if (cursor.gotoFirstChild()) {
          do node.children.push(build(cursor.currentFieldName));
          while (cursor.gotoNextSibling());
          cursor.gotoParent();
        }
        return node;
      };
      return { source, root: build(null), hasError: tree.rootNode.hasError };
    } finally {
      cursor.delete();
    }
  } finally {
    tree.delete();
  }
}

export function namedChildren(node: BashNode): BashNode[] {
  return node.children.filter((child) => child.named);
}

export function childrenByField(node: BashNode, field: string): BashNode[] {
  return node.children.filter((child) => child.field === field);
}

export function childByField(node: BashNode, field: string): BashNode | undefined {
  return node.children.find((child) => child.field === field);
}

/**
 * A bare word's value, or undefined when the shell would expand it (globs, tilde). Braces are
 * judged by the concatenation they are part of (`{}` is literal, `{a,b}` expands).
 */
function literalWord(text: string): string | undefined {
  const read = literalWordPrefix(text);
  return read.complete ? read.value : undefined;
}

/** The value of a bare word up to the first character the shell would expand. */
function literalWordPrefix(text: string): { value: string; complete: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      out += text[++i] ?? '';
    } else if ('*?[]~'.includes(c)) {
      return { value: out, complete: false };
    } else {
      out += c;
    }
  }
  return { value: out, complete: true };
}

/**
 * The literal value of a word-like node when it has no expansions: a plain word (backslash escapes
 * removed), a 'single-quoted' raw string, a "double-quoted" string without `$`/backquote
 * substitutions, or a concatenation of those. Undefined when the value depends on the shell.
 */
export function literalValue(node: BashNode): string | undefined {
  switch (node.type) {
    case 'word':
    case 'number':
      return literalWord(node.text);
    case 'raw_string':
      return node.text.slice(1, -1);
    case 'string': {
      if (node.children.some((child) => child.named && child.type !== 'string_content')) return undefined;
      // Inside double quotes a backslash escapes only $ ` " \ and newline.
      return node.text.slice(1, -1).replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
    }
    case 'concatenation': {
      if (bracesExpand(node)) return undefined;
      let out = '';
      for (const child of node.children) {
        const part = literalValue(child);
        if (part === undefined) return undefined;
        out += part;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Unquoted `{…,…}` in a concatenation: brace expansion (tree-sitter gives each brace its own word). */
function bracesExpand(node: BashNode): boolean {
  const open: boolean[] = [];
  for (const child of node.children) {
    if (child.type !== 'word') continue;
    if (child.text === '{') open.push(false);
    else if (child.text === '}') {
      if (open.pop()) return true;
    } else if (open.length > 0 && /(^|[^\\]),/.test(child.text)) open[open.length - 1] = true;
  }
  return false;
}

/**
 * A word whose value the shell computes when the command runs (an expansion, a substitution, a
 * glob): only the literal text it starts with is known (`src/$X` starts with `src/`, `$X` with
 * nothing).
 */
export interface UnknownWord {
  readonly unknown: true;
  readonly prefix: string;
  /** Unquoted expansion or glob: the shell may split it into several words. */
  readonly splits?: boolean;
}

/** One word of a command: its literal value, or what is known of a value computed at run time. */
export type Word = string | UnknownWord;

export function unknownWord(prefix = '', splits = false): UnknownWord {
  return splits ? { unknown: true, prefix, splits } : { unknown: true, prefix };
}

export function isLiteral(word: Word | undefined): word is string {
  return typeof word === 'string';
}

/** The literal text a word-like node's value starts with, before anything the shell computes. */
function literalPrefix(node: BashNode): string {
  switch (node.type) {
    case 'word':
    case 'number':
      return literalWordPrefix(node.text).value;
    case 'raw_string':
      return node.text.slice(1, -1);
    case 'string': {
      let out = '';
      for (const child of node.children) {
        if (!child.named) continue;
        if (child.type !== 'string_content') return out;
        out += child.text.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
      }
      return out;
    }
    case 'concatenation': {
      let out = '';
      for (const child of node.children) {
        // Brace expansion: the known part ends where the braces open.
        if (child.type === 'word' && child.text === '{' && bracesExpand(node)) return out;
        const part = literalValue(child);
        if (part === undefined) return out + literalPrefix(child);
        out += part;
      }
      return out;
    }
    default:
      return '';
  }
}

/** A word-like node as a `Word`: its literal value, or an unknown word with its literal prefix. */
export function wordOf(node: BashNode): Word {
  const value = literalValue(node);
  return value === undefined ? unknownWord(literalPrefix(node), maySplit(node)) : value;
}

/** An unquoted expansion, substitution or glob somewhere in the word (quotes keep it one word). */
function maySplit(node: BashNode): boolean {
  switch (node.type) {
    case 'string':
    case 'raw_string':
    case 'ansi_c_string':
    case 'translated_string':
      return false;
    case 'word':
    case 'number':
      return literalWord(node.text) === undefined;
    case 'concatenation':
      return bracesExpand(node) || node.children.some(maySplit);
    default:
      return node.named;
  }
}

/** Node types a word may contain without running anything or changing any state when expanded. */
const INERT_PARTS = new Set([
  'word',
  'number',
  'raw_string',
  'string',
  'string_content',
  'concatenation',
  'simple_expansion',
  'variable_name',
  'special_variable_name',
]);

/**
 * True when expanding the word runs nothing and assigns nothing: literals, quotes, `$NAME`,
 * `${NAME}`, globs, braces and tilde. Command and process substitution, arithmetic, and
 * parameter expansions with operators (`${X:=…}`, `${X@P}`) are not inert.
 */
export function isInertWord(node: BashNode): boolean {
  if (node.type === 'expansion') {
    const named = node.children.filter((child) => child.named);
    return (
      named.length === 1 &&
      (named[0]?.type === 'variable_name' || named[0]?.type === 'special_variable_name') &&
      node.children.length === 3
    );
  }
  if (!INERT_PARTS.has(node.type)) return false;
  return node.children.every((child) => !child.named || isInertWord(child));
}
