import { describe, expect, it } from 'vitest';
import { mapToolResult } from '../../src/tools/mcp/result.js';

const PNG = 'iVBORw0KGgo=';

describe('MCP results → call output', () => {
  it('joins text blocks into one string', () => {
    const mapped = mapToolResult({
      content: [
        { type: 'text', text: 'one' },
        { type: 'text', text: 'two' },
      ],
    });
    expect(mapped).toEqual({
      output: 'one\ntwo',
      success: true,
      display: { content: [expect.anything(), expect.anything()], structured_content: null },
    });
  });

  it('turns images into image inputs, keeping the text around them in order', () => {
    const mapped = mapToolResult({
      content: [
        { type: 'text', text: 'before' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        { type: 'text', text: 'after' },
      ],
    });
    expect(mapped.output).toEqual([
      { type: 'input_text', text: 'before' },
      { type: 'input_image', image_url: `data:image/png;base64,${PNG}` },
      { type: 'input_text', text: 'after' },
    ]);
  });

  it('shows embedded resources: text with its URI, image blobs as images, other binaries described', () => {
    const mapped = mapToolResult({
      content: [
        { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'hello' } },
        { type: 'resource', resource: { uri: 'file:///b.png', mimeType: 'image/png', blob: PNG } },
        {
          type: 'resource',
          resource: { uri: 'file:///c.bin', mimeType: 'application/octet-stream', blob: 'AAAA' },
        },
        { type: 'resource_link', uri: 'demo://x', name: 'x', mimeType: 'text/plain', description: 'a link' },
        { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
      ],
    });
    expect(mapped.output).toEqual([
      { type: 'input_text', text: '[resource file:///a.txt (text/plain)]\nhello' },
      { type: 'input_image', image_url: `data:image/png;base64,${PNG}` },
      {
        type: 'input_text',
        text: [
          '[resource file:///c.bin (application/octet-stream): 3 bytes of binary data, not shown]',
          '[resource link x: demo://x (text/plain) — a link]',
          '[audio (audio/wav), 3 bytes, not shown]',
        ].join('\n'),
      },
    ]);
  });

  it('adds structuredContent unless the text already carries it', () => {
    // Only structured content: it is the output.
    expect(mapToolResult({ content: [], structuredContent: { answer: 42 } }).output).toBe('{"answer":42}');
    // The spec's backwards-compatible text (the same JSON): not repeated.
    const same = mapToolResult({
      content: [{ type: 'text', text: '{\n  "answer": 42\n}' }],
      structuredContent: { answer: 42 },
    });
    expect(same.output).toBe('{\n  "answer": 42\n}');
    // server-filesystem's shape: the text is the structured value itself.
    const fsLike = mapToolResult({
      content: [{ type: 'text', text: '[FILE] a.txt' }],
      structuredContent: { content: '[FILE] a.txt' },
    });
    expect(fsLike.output).toBe('[FILE] a.txt');
    // A summary text with data only in the structure: both are shown.
    const summary = mapToolResult({
      content: [{ type: 'text', text: 'Found 2 results' }],
      structuredContent: { results: ['alpha', 'beta'] },
    });
    expect(summary.output).toBe('Found 2 results\n{"results":["alpha","beta"]}');
    expect(summary.display.structured_content).toEqual({ results: ['alpha', 'beta'] });
  });

  it('marks isError results unsuccessful, with the server’s words or a default', () => {
    expect(mapToolResult({ content: [{ type: 'text', text: 'no such file' }], isError: true })).toMatchObject(
      {
        output: 'no such file',
        success: false,
      },
    );
    expect(mapToolResult({ content: [], isError: true })).toMatchObject({
      output: 'The tool reported an error.',
      success: false,
    });
  });

  it('reads old-protocol toolResult answers and truncates huge text in the middle', () => {
    expect(mapToolResult({ toolResult: { ok: true } }).output).toBe('{"ok":true}');
    const big = `${'a'.repeat(50_000)}${'z'.repeat(50_000)}`;
    const out = mapToolResult({ content: [{ type: 'text', text: big }] }, 1_000).output as string;
    expect(out.length).toBeLessThan(1_100);
    expect(out.startsWith('a'.repeat(500))).toBe(true);
    expect(out.endsWith('z'.repeat(500))).toBe(true);
    expect(out).toContain('tokens truncated');
  });
});
