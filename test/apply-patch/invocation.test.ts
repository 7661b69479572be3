/** apply_patch inside shell commands: detected with the real bash parser, routed to the engine. */
import { describe, expect, it } from 'vitest';
import { literalValue, namedChildren, parseBash } from '../../src/sandbox/bash-parser.js';
import { extractApplyPatchInvocation } from '../../src/tools/apply-patch/invocation.js';

const PATCH = '*** Begin Patch\n*** Update File: a.txt\n@@\n-"old" $HOME\n+new\n*** End Patch';

describe('extractApplyPatchInvocation', () => {
  it('takes a direct argv', async () => {
    expect(await extractApplyPatchInvocation(['apply_patch', PATCH])).toEqual({ patch: PATCH });
    expect(await extractApplyPatchInvocation(['applypatch', PATCH])).toEqual({ patch: PATCH });
  });

  it('takes heredocs with any quoting, from bash, sh and zsh', async () => {
    for (const delimiter of ["'EOF'", '"EOF"', 'EOF', "'PATCH'"]) {
      const end = delimiter.replace(/['"]/g, '');
      for (const shell of ['bash', '/bin/bash', 'sh', '/usr/bin/zsh']) {
        for (const flag of ['-lc', '-c']) {
          const script = `apply_patch <<${delimiter}\n${PATCH}\n${end}\n`;
          expect(await extractApplyPatchInvocation([shell, flag, script])).toEqual({ patch: PATCH });
        }
      }
    }
  });

  it('takes `cd <dir> &&` before the command', async () => {
    expect(
      await extractApplyPatchInvocation([
        'bash',
        '-lc',
        `cd src/app && apply_patch <<'EOF'\n${PATCH}\nEOF\n`,
      ]),
    ).toEqual({
      patch: PATCH,
      workdir: 'src/app',
    });
    expect(
      await extractApplyPatchInvocation(['bash', '-lc', `cd 'my dir' && applypatch <<"EOF"\n${PATCH}\nEOF`]),
    ).toEqual({
      patch: PATCH,
      workdir: 'my dir',
    });
    expect(
      await extractApplyPatchInvocation(['bash', '-lc', `cd "/abs/dir" && apply_patch <<EOF\n${PATCH}\nEOF`]),
    ).toEqual({
      patch: PATCH,
      workdir: '/abs/dir',
    });
  });

  it('takes the patch as a quoted argument', async () => {
    const single = `apply_patch '${PATCH}'`;
    expect(await extractApplyPatchInvocation(['bash', '-lc', single])).toEqual({ patch: PATCH });
    const simple = '*** Begin Patch\n*** Add File: q.txt\n+say \\"hi\\" \\\\ done\n*** End Patch';
    expect(await extractApplyPatchInvocation(['bash', '-lc', `cd sub && apply_patch "${simple}"`])).toEqual({
      patch: '*** Begin Patch\n*** Add File: q.txt\n+say "hi" \\ done\n*** End Patch',
      workdir: 'sub',
    });
  });

  it('leaves every other command to the shell', async () => {
    const heredoc = `<<'EOF'\n${PATCH}\nEOF\n`;
    const others = [
      ['ls', '-la'],
      ['bash', '-lc', 'echo apply_patch'],
      ['bash', '-lc', `echo hi; apply_patch ${heredoc}`],
      ['bash', '-lc', `apply_patch ${heredoc}echo done\n`],
      ['bash', '-lc', `apply_patch <<'EOF' && echo done\n${PATCH}\nEOF\n`],
      ['bash', '-lc', `cd a b && apply_patch ${heredoc}`],
      ['bash', '-lc', `cd a || apply_patch ${heredoc}`],
      ['bash', '-lc', `cd a; apply_patch ${heredoc}`],
      ['bash', '-lc', `cd $DIR && apply_patch ${heredoc}`],
      ['bash', '-lc', `cd a && cd b && apply_patch ${heredoc}`],
      ['bash', '-lc', `FOO=1 apply_patch ${heredoc}`],
      ['bash', '-lc', `apply_patch extra ${heredoc}`],
      ['bash', '-lc', `cat ${heredoc}`],
      ['bash', '-lc', `apply_patch "$PATCH"`],
      ['bash', '-lc', `apply_patch "$(cat p.txt)"`],
      ['bash', '-lc', `apply_patch <<'EOF'\n${PATCH}\n`],
      ['bash', '-x', `apply_patch ${heredoc}`],
      ['fish', '-c', `apply_patch ${heredoc}`],
      ['apply_patch'],
      ['apply_patch', PATCH, 'extra'],
    ];
    for (const argv of others) {
      expect(await extractApplyPatchInvocation(argv), JSON.stringify(argv)).toBeUndefined();
    }
  });
});

describe('bash parser wrapper', () => {
  it('returns a plain tree with fields, and literal values only where the shell would not expand', async () => {
    const tree = await parseBash(`git commit -m 'a b' "x\\"y" $HOME`);
    expect(tree.hasError).toBe(false);
    const [command] = namedChildren(tree.root);
    expect(command?.type).toBe('command');
    const args = command?.children.filter((c) => c.field === 'argument') ?? [];
    expect(args.map((a) => literalValue(a))).toEqual(['commit', '-m', 'a b', 'x"y', undefined]);
    expect(literalValue({ ...(args[0] as NonNullable<(typeof args)[0]>), text: '*.txt' })).toBeUndefined();
  });

  it('flags syntax errors', async () => {
    expect((await parseBash('echo "unterminated')).hasError).toBe(true);
    expect((await parseBash('if then fi')).hasError).toBe(true);
  });

  it('parses concurrently without interference', async () => {
    const scripts = Array.from({ length: 20 }, (_, i) => `echo ${i} && ls dir${i}`);
    const trees = await Promise.all(scripts.map((s) => parseBash(s)));
    expect(trees.map((tree) => tree.root.text)).toEqual(scripts);
  });
});
