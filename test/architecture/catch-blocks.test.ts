/**
 * Every `catch` in src/ — a `catch` clause, or a promise's `.catch(handler)` written in place —
 * looks at what it caught (issue 17, "say or handle every error"): it binds
 * the error and uses it — to check it is the expected one by name (`expectErrno(err, ABSENT)`,
 * `err instanceof SyntaxError`) and rethrow anything else, or to report it. A bare `catch {}` (or
 * one that binds the error and ignores it) swallows errors nobody expected, so it fails here with
 * the file and line. A syntax-level check with the TypeScript parser, not a text search.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function usesIdentifier(node: ts.Node, name: string): boolean {
  if (ts.isIdentifier(node) && node.text === name) return true;
  return ts.forEachChild(node, (child) => usesIdentifier(child, name) || undefined) ?? false;
}

/**
 * A promise's `.catch(handler)` written in place (`() => undefined`, `function () {}`) that ignores
 * its error. A handler passed by name (`onSystemError(undefined)`, `this.sendError`) is judged where
 * it is written.
 */
function ignoringCatchHandler(node: ts.Node): boolean {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
  if (node.expression.name.text !== 'catch') return false;
  const handler = node.arguments[0];
  if (!handler || !(ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))) return false;
  const param = handler.parameters[0]?.name;
  return param === undefined || !ts.isIdentifier(param) || !usesIdentifier(handler.body, param.text);
}

/** The catch clauses and `.catch` handlers of `text` that ignore what they caught, as `file:line`. */
function swallowingCatches(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let swallows = ignoringCatchHandler(node);
    if (ts.isCatchClause(node)) {
      const binding = node.variableDeclaration?.name;
      swallows =
        binding === undefined || !ts.isIdentifier(binding) || !usesIdentifier(node.block, binding.text);
    }
    if (swallows) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${path.relative(path.dirname(SRC), file)}:${line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('catch blocks in src/', () => {
  it('each bind the error and look at it (handle it by name, or report it)', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => swallowingCatches(file, fs.readFileSync(file, 'utf8')));
    expect(found).toEqual([]);
  });

  it('are caught swallowing an error when they do', () => {
    const swallowing = [
      'try { f(); } catch {}',
      'try { f(); } catch { return undefined; }',
      'try { f(); } catch (err) { return 1; }',
      'try { f(); } catch ({ message }) { log(message); }',
      'p.catch(() => undefined);',
      'p.catch((err) => null);',
      'p.catch(function () {});',
      'await f().then(g).catch((_err: unknown) => 0);',
    ];
    for (const text of swallowing) expect(swallowingCatches(`${SRC}/x.ts`, text)).toEqual(['src/x.ts:1']);
    const looking = [
      'try { f(); } catch (err) { if (!(err instanceof SyntaxError)) throw err; }',
      'try { f(); } catch (err) { report(messageOf(err)); }',
      'p.catch(onSystemError(undefined));',
      'p.catch((err: unknown) => log(messageOf(err)));',
      'p.catch((err: Error) => { if (!(err instanceof SyntaxError)) throw err; });',
    ];
    for (const text of looking) expect(swallowingCatches(`${SRC}/x.ts`, text)).toEqual([]);
  });
});
