/**
 * A real terminal for end-to-end tests: the built binary in a tmux pane of its own server (socket in
 * a temporary folder), every byte the program writes recorded by `pipe-pane`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SPOOL_BIN } from './spool-bin.js';

/** The real binary, as a user starts it (`npm test` builds before the suite runs). */
export const spoolCommand = (args: string[]) => [process.execPath, SPOOL_BIN, ...args];

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

export class Tmux {
  /** A server of our own, on a socket in a temporary folder (nothing left in /tmp/tmux-UID). */
  readonly socket: string;
  readonly rawLog: string;

  /** The command's exit status, written by the pane's shell when it ends. */
  readonly statusFile: string;

  constructor(dir: string) {
    this.socket = path.join(dir, 'tmux.sock');
    this.rawLog = path.join(dir, 'pane.raw');
    this.statusFile = path.join(dir, 'exit-status');
  }

  run(args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** `width`: columns of the pane (a long line wraps there, and a wrapped line is two lines in a capture). */
  start(command: string[], env: Record<string, string>, cwd: string, width = 100): void {
    // The pane's shell records the exit status itself: under load tmux can take many seconds to
    // reap a finished pane process and report #{pane_dead_status}.
    const line = `${['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...command]
      .map(quote)
      .join(' ')}; echo $? > ${quote(this.statusFile)}`;
    this.run([
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(width),
      '-y',
      '32',
      '-c',
      cwd,
      line,
      ';',
      'set-option',
      '-t',
      'main',
      'remain-on-exit',
      'on',
      ';',
      'pipe-pane',
      '-t',
      'main',
      '-o',
      `cat >> ${quote(this.rawLog)}`,
    ]);
  }

  /** Scrollback and screen of the pane. */
  capture(): string {
    return this.run(['capture-pane', '-p', '-t', 'main', '-S', '-', '-E', '-']);
  }

  keys(...keys: string[]): void {
    this.run(['send-keys', '-t', 'main', ...keys]);
  }

  text(text: string): void {
    this.run(['send-keys', '-t', 'main', '-l', text]);
  }

  paneValue(format: string): string {
    return this.run(['display-message', '-p', '-t', 'main', format]).trim();
  }

  async see(wanted: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.capture();
      if (typeof wanted === 'string' ? screen.includes(wanted) : wanted.test(screen)) return;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${String(wanted)}; the pane shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server']);
  }
  /** The exit status the pane's shell recorded ('' while the command runs). */
  exitStatus(): string {
    return fs.existsSync(this.statusFile) ? fs.readFileSync(this.statusFile, 'utf8').trim() : '';
  }
}
