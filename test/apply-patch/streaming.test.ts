import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../src/tools/apply-patch/parser.js';
import { parsePartial, StreamingPatchParser } from '../../src/tools/apply-patch/streaming.js';

const PATCH = `*** Begin Patch
*** Add File: docs/release-notes.md
+# Release notes
+
+- Surface apply_patch progress while arguments stream.
*** Update File: src/config.rs
@@ impl Config
-    pub apply_patch_progress: bool,
+    pub stream_apply_patch_progress: bool,
     pub include_diagnostics: bool,
@@ fn default_progress_interval()
-    Duration::from_millis(500)
+    Duration::from_millis(250)
*** Delete File: src/legacy_patch_progress.rs
*** Update File: crates/cli/src/main.rs
*** Move to: crates/cli/src/bin/codex.rs
@@ fn run()
-    let args = Args::parse();
+    let cli = Cli::parse();
*** End Patch`;

describe('incremental parsing', () => {
  it('shows files as their header lines complete, never losing one, ending with the full parse', () => {
    const parser = new StreamingPatchParser();
    const counts: number[] = [];
    let last = parser.snapshot();
    for (const char of PATCH) {
      last = parser.push(char);
      const n = last.files.length;
      if (n !== counts[counts.length - 1]) counts.push(n);
      expect(last.error).toBeUndefined();
    }
    expect(counts).toEqual([0, 1, 2, 3, 4]);
    last = parser.finish();
    expect(last.complete).toBe(true);
    const full = parsePatch(PATCH);
    if (!full.ok) throw new Error(full.error.message);
    expect(last.files.map((f) => [f.kind, f.path, f.movePath])).toEqual(
      full.value.hunks.map((h) => [h.type, h.path, h.type === 'update' ? h.movePath : undefined]),
    );
    expect(last.files.map((f) => [f.added, f.removed])).toEqual([
      [3, 0],
      [2, 2],
      [0, 0],
      [1, 1],
    ]);
    expect(last.files.every((f) => f.complete)).toBe(true);
  });

  it('marks the file being written as incomplete and shows a path only once its line has ended', () => {
    expect(parsePartial('*** Begin Patch\n*** Add File: src/hel').files).toEqual([]);
    const partial = parsePartial('*** Begin Patch\n*** Add File: src/hello.txt\n+hello\n+wor');
    expect(partial.files).toEqual([
      { kind: 'add', path: 'src/hello.txt', added: 1, removed: 0, complete: false },
    ]);
    expect(partial.complete).toBe(false);
    const two = parsePartial('*** Begin Patch\n*** Add File: a\n+1\n*** Delete File: b\n');
    expect(two.files.map((f) => [f.path, f.complete])).toEqual([
      ['a', true],
      ['b', true],
    ]);
  });

  it('shows an update before its first chunk is complete', () => {
    const partial = parsePartial(
      '*** Begin Patch\n*** Update File: src/old.rs\n*** Move to: src/new.rs\n@@\n-old\n',
    );
    expect(partial.files).toEqual([
      { kind: 'update', path: 'src/old.rs', movePath: 'src/new.rs', added: 0, removed: 1, complete: false },
    ]);
  });

  it('tolerates a heredoc wrapper and leading blank lines', () => {
    expect(parsePartial("\n<<'EOF'\n*** Begin Patch\n*** Delete File: x\n").files.map((f) => f.path)).toEqual(
      ['x'],
    );
  });

  it('reports a malformed patch but keeps the files read before the problem', () => {
    const partial = parsePartial('*** Begin Patch\n*** Delete File: a\n*** Frobnicate: b\n*** Add File: c\n');
    expect(partial.files.map((f) => f.path)).toEqual(['a']);
    expect(partial.error).toMatch(
      /^Invalid patch hunk on line 3: '\*\*\* Frobnicate: b' is not a valid hunk header/,
    );
    expect(parsePartial('hello\n').error).toBe(
      "Invalid patch: The first line of the patch must be '*** Begin Patch'",
    );
  });

  it('stays linear: a 5,000-line file streamed one character at a time', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `+line ${i} of a long new file`);
    const text = `*** Begin Patch\n*** Add File: big.txt\n${lines.join('\n')}\n*** End Patch\n`;
    const parser = new StreamingPatchParser();
    const start = performance.now();
    for (const char of text) parser.push(char);
    const elapsed = performance.now() - start;
    expect(parser.finish().files).toEqual([
      { kind: 'add', path: 'big.txt', added: 5000, removed: 0, complete: true },
    ]);
    // Re-reading everything on every character would take minutes; linear work takes well under a second.
    expect(elapsed).toBeLessThan(3000);
  });

  it('accepts CRLF streams', () => {
    const partial = parsePartial('*** Begin Patch\r\n*** Add File: a\r\n+1\r\n*** End Patch\r\n');
    expect(partial).toEqual({
      files: [{ kind: 'add', path: 'a', added: 1, removed: 0, complete: true }],
      complete: true,
    });
  });
});
