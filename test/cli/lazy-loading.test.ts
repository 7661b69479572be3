/**
 * `spool exec` loads no UI, app-server or MCP code. The CLI is one bundle (scripts/build.mjs) in
 * which each module's code runs only when something imports it, and `await import()` stays lazy;
 * so what a command loads is what its module reaches through static imports. esbuild's metafile
 * (dist/meta.json, written by the build) records every import and its kind; this walks it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/spool-bin.js';

interface Metafile {
  inputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

const meta = JSON.parse(readFileSync(path.join(ROOT, 'dist/meta.json'), 'utf8')) as Metafile;

/**
 * Every module loaded when `entry` runs: static imports and requires, not `import()`. Packages left
 * outside the bundle (external) are listed by the name they are imported by.
 */
function loadedWith(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of meta.inputs[file]?.imports ?? []) {
      if (imp.kind === 'dynamic-import') continue;
      if (imp.external) seen.add(imp.path);
      else stack.push(imp.path);
    }
  }
  return [...seen];
}

describe('front ends load only what they use', () => {
  it('the bundle holds the whole CLI, with the subcommands behind import()', () => {
    const atStart = loadedWith('src/cli/main.ts');
    expect(atStart).toContain('src/cli/program.ts');
    expect(atStart).not.toContain('src/cli/exec.ts');
    expect(Object.keys(meta.inputs)).toContain('src/tui/run.ts');
  });

  it('spool exec loads no UI, app-server or MCP code', () => {
    const modules = [...loadedWith('src/cli/main.ts'), ...loadedWith('src/cli/exec.ts')];
    expect(modules).toContain('src/cli/exec.ts');
    expect(
      modules.filter((m) =>
        /^src\/(tui|app-server)\/|^src\/tools\/mcp\/(?!attach)|node_modules\/@modelcontextprotocol\//.test(m),
      ),
    ).toEqual([]);
  });

  it('spool exec loads none of the fleet (no BullMQ, no Redis client, no dashboard)', () => {
    const modules = [...loadedWith('src/cli/main.ts'), ...loadedWith('src/cli/exec.ts')];
    expect(Object.keys(meta.inputs).some((m) => m.startsWith('src/fleet/'))).toBe(true);
    expect(
      modules.filter((m) =>
        /^src\/fleet\/|queue-actions|worker-command|(^|\/)(bullmq|ioredis|@bull-board|express)(\/|$)/.test(m),
      ),
    ).toEqual([]);
  });

  it('spool exec without [otel] loads none of the OpenTelemetry wiring or SDK', () => {
    const modules = [...loadedWith('src/cli/main.ts'), ...loadedWith('src/cli/exec.ts')];
    expect(Object.keys(meta.inputs)).toContain('src/telemetry/otel.ts');
    expect(
      modules.filter((m) =>
        /^src\/telemetry\/(otel|thread-observer|metrics)\.ts$|(^|\/)@opentelemetry\/|(^|\/)@grpc\//.test(m),
      ),
    ).toEqual([]);
  });

  it("spool exec builds none of the event stream's schemas and loads no OpenAI SDK client (start-up)", () => {
    const modules = [...loadedWith('src/cli/main.ts'), ...loadedWith('src/cli/exec.ts')];
    // Streaming goes by model/http-post.ts; the SDK serves compaction and the model list, loaded then.
    expect(modules.filter((m) => m.startsWith('node_modules/openai/')).sort()).toEqual([
      'node_modules/openai/core/error.mjs',
      'node_modules/openai/internal/errors.mjs',
    ]);
    // Token counts (protocol/usage.ts) are all the loop needs of the event stream's module at start.
    expect(modules).toContain('src/protocol/usage.ts');
    expect(modules.filter((m) => /^src\/protocol\/(events|collab|review)\.ts$/.test(m))).toEqual([]);
  });

  it("the bash parser's runtime is in the bundle (code-cached), loaded only when the parser is", () => {
    const modules = [...loadedWith('src/cli/main.ts'), ...loadedWith('src/cli/exec.ts')];
    expect(Object.keys(meta.inputs)).toContain('node_modules/web-tree-sitter/tree-sitter.cjs');
    expect(modules.filter((m) => m.includes('web-tree-sitter'))).toEqual([]);
  });
});
