/** When an MCP tool call is asked about: Codex's modes and annotations, and the approval policy. */
import { describe, expect, it } from 'vitest';
import { gateMcpCall, mcpToolNeedsApproval } from '../../src/tools/mcp/approval.js';

const READ_ONLY = { readOnly: true };
const UNANNOTATED = { readOnly: false };
const DESTRUCTIVE_READ_ONLY = { readOnly: true, destructive: true };
const CLOSED = { readOnly: false, destructive: false, openWorld: false };

describe('MCP tool approvals', () => {
  it('auto asks unless the tool only reads (destructive wins), or is neither destructive nor open-world', () => {
    expect(mcpToolNeedsApproval(READ_ONLY, 'auto')).toBe(false);
    expect(mcpToolNeedsApproval(UNANNOTATED, 'auto')).toBe(true);
    expect(mcpToolNeedsApproval(DESTRUCTIVE_READ_ONLY, 'auto')).toBe(true);
    expect(mcpToolNeedsApproval(CLOSED, 'auto')).toBe(false);
    expect(mcpToolNeedsApproval({ readOnly: false, destructive: false }, 'auto')).toBe(true);
  });

  it('prompt always asks, writes asks unless read-only, approve never asks', () => {
    for (const tool of [READ_ONLY, UNANNOTATED, DESTRUCTIVE_READ_ONLY, CLOSED]) {
      expect(mcpToolNeedsApproval(tool, 'prompt')).toBe(true);
      expect(mcpToolNeedsApproval(tool, 'approve')).toBe(false);
    }
    expect(mcpToolNeedsApproval(DESTRUCTIVE_READ_ONLY, 'writes')).toBe(false);
    expect(mcpToolNeedsApproval(CLOSED, 'writes')).toBe(true);
  });

  it('asks under every policy but never; never refuses unless nothing is sandboxed', () => {
    const names = { server: 's', tool: 't' };
    for (const approvalPolicy of ['untrusted', 'on-request', 'on-failure'] as const)
      for (const sandboxMode of ['read-only', 'workspace-write', 'danger-full-access'] as const)
        expect(gateMcpCall(true, { approvalPolicy, sandboxMode, bypassSandbox: false }, names)).toEqual({
          action: 'ask',
        });
    const refused = gateMcpCall(
      true,
      { approvalPolicy: 'never', sandboxMode: 'read-only', bypassSandbox: false },
      names,
    );
    expect(refused).toMatchObject({ action: 'refuse' });
    expect(
      gateMcpCall(
        true,
        { approvalPolicy: 'never', sandboxMode: 'danger-full-access', bypassSandbox: false },
        names,
      ),
    ).toEqual({ action: 'run' });
    expect(
      gateMcpCall(
        true,
        { approvalPolicy: 'untrusted', sandboxMode: 'read-only', bypassSandbox: true },
        names,
      ),
    ).toEqual({ action: 'run' });
    expect(
      gateMcpCall(
        false,
        { approvalPolicy: 'untrusted', sandboxMode: 'read-only', bypassSandbox: false },
        names,
      ),
    ).toEqual({ action: 'run' });
  });
});
