/**
 * `/init`: a starter AGENTS.md for the working directory, filled from what can be seen without a
 * model (the build tool's commands, the top-level folders), for the person (or the agent) to
 * complete. An existing AGENTS.md is never overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectErrno, expectSystemError, UNREADABLE } from '../../protocol/errors.js';

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof SyntaxError)) expectSystemError(err);
    return undefined;
  }
}

function commands(cwd: string): string[] {
  const has = (name: string) => fs.existsSync(path.join(cwd, name));
  const lines: string[] = [];
  const pkg = readJson(path.join(cwd, 'package.json'));
  if (pkg) {
    const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
    const runner = has('pnpm-lock.yaml') ? 'pnpm' : has('yarn.lock') ? 'yarn' : 'npm';
    lines.push(
      `- Install: \`${runner === 'npm' ? (has('package-lock.json') ? 'npm ci' : 'npm install') : `${runner} install`}\``,
    );
    for (const name of ['build', 'test', 'lint', 'typecheck', 'format']) {
      if (typeof scripts[name] === 'string')
        lines.push(`- ${name[0]!.toUpperCase()}${name.slice(1)}: \`${runner} run ${name}\``);
    }
  }
  if (has('Cargo.toml'))
    lines.push('- Build: `cargo build`', '- Test: `cargo test`', '- Lint: `cargo clippy`');
  if (has('go.mod')) lines.push('- Build: `go build ./...`', '- Test: `go test ./...`');
  if (has('pyproject.toml') || has('setup.py')) lines.push('- Test: `pytest`');
  if (has('Makefile')) lines.push('- Build: `make`');
  return lines.length > 0 ? lines : ['- Build: (how to build)', '- Test: (how to run the tests)'];
}

function layout(cwd: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(cwd, { withFileTypes: true });
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return [];
  }
  return entries
    .filter(
      (e) =>
        e.isDirectory() &&
        !e.name.startsWith('.') &&
        !['node_modules', 'dist', 'target', 'build'].includes(e.name),
    )
    .map((e) => e.name)
    .sort()
    .slice(0, 15)
    .map((name) => `- \`${name}/\` — (what it holds)`);
}

function starterAgentsMd(cwd: string): string {
  const pkg = readJson(path.join(cwd, 'package.json'));
  const name = typeof pkg?.name === 'string' ? pkg.name : path.basename(cwd);
  const description =
    typeof pkg?.description === 'string' ? pkg.description : '(one paragraph: what this project is and does)';
  const folders = layout(cwd);
  return [
    '# AGENTS.md',
    '',
    'Guidance for coding agents working in this repository.',
    '',
    `## ${name}`,
    '',
    description,
    '',
    '## Commands',
    '',
    ...commands(cwd),
    '',
    ...(folders.length > 0 ? ['## Layout', '', ...folders, ''] : []),
    '## Conventions',
    '',
    '- Keep changes small and focused; follow the style of the code around them.',
    '- Run the tests before calling a change done, and add tests for new behaviour.',
    '- Do not commit secrets or generated files.',
    '',
  ].join('\n');
}

type InitOutcome = { written: true; file: string } | { written: false; file: string; reason: string };

export function writeStarterAgentsMd(cwd: string): InitOutcome {
  const file = path.join(cwd, 'AGENTS.md');
  try {
    fs.writeFileSync(file, starterAgentsMd(cwd), { flag: 'wx' });
    return { written: true, file };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { written: false, file, reason: code === 'EEXIST' ? 'it already exists' : (err as Error).message };
  }
}
