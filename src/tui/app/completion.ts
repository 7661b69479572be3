/**
 * The composer's completion popup: `@` mentions of the session directory's files (listed once per
 * directory), `$` skills (asked once per directory until the next turn ends) and `/` commands. Up
 * and down choose, tab takes the choice, enter takes it too (and runs a command).
 */
import type { HostGit } from '../../sandbox/host-git.js';
import type { Key } from '../terminal/keys.js';
import type { Composer } from '../view/composer.js';
import { FileIndex, fuzzyFind } from '../view/mentions.js';
import { matchSkills, type SkillChoice, skillAtCursor } from '../view/skill-mentions.js';
import { matchingCommands, type SlashCommand } from './commands.js';
import type { Popup } from './frame.js';

interface CompletionHost {
  cwd(): string;
  git(): HostGit | undefined;
  /** The skills enabled in `cwd` (none when they cannot be listed). */
  listSkills(cwd: string): Promise<SkillChoice[]>;
  /** The popup changed after an answer arrived: draw again. */
  invalidate(): void;
}

export class Completion {
  private popup: Popup | undefined;
  private files: { cwd: string; index: FileIndex } | undefined;
  private skills: { cwd: string; list: Promise<SkillChoice[]> } | undefined;

  constructor(
    private readonly composer: Composer,
    private readonly host: CompletionHost,
  ) {}

  /** The popup to draw, if any. */
  get current(): Popup | undefined {
    return this.popup;
  }

  close(): void {
    this.popup = undefined;
  }

  /** Skills may have changed (a turn ended): the next `$` asks again. */
  forgetSkills(): void {
    this.skills = undefined;
  }

  /**
   * A key for an open popup with matches: true when it was taken. A command taken with enter is
   * submitted and given to `run`.
   */
  onKey(key: Key, run: (command: SlashCommand) => void): boolean {
    const popup = this.popup;
    if (!popup || popup.matches.length === 0) return false;
    if (key.name === 'up' || key.name === 'down') {
      const count = popup.matches.length;
      popup.selected = (popup.selected + (key.name === 'up' ? -1 : 1) + count) % count;
      return true;
    }
    if (key.name !== 'tab' && key.name !== 'enter') return false;
    this.popup = undefined;
    if (popup.kind === 'mention') {
      const match = popup.matches[popup.selected]!;
      const quoted = /\s/.test(match.path) ? `"${match.path}"` : match.path;
      this.composer.replaceRange(popup.start, popup.end, `@${quoted} `);
    } else if (popup.kind === 'skill') {
      this.composer.replaceRange(popup.start, popup.end, `$${popup.matches[popup.selected]!.name} `);
    } else {
      const command = popup.matches[popup.selected]!;
      if (key.name === 'enter') {
        this.composer.submit();
        run(command);
      } else this.composer.setText(`/${command.name} `);
    }
    return true;
  }

  /** The composer's text or cursor changed: the popup follows what is under the cursor. */
  update(): void {
    const mention = this.composer.mentionAtCursor();
    if (mention) {
      const selected = this.popup?.kind === 'mention' ? this.popup.selected : 0;
      void this.fileIndex()
        .files()
        .then((files) => {
          const current = this.composer.mentionAtCursor();
          if (current?.query !== mention.query) return;
          const matches = fuzzyFind(mention.query, files, 8);
          this.show({ kind: 'mention', matches, selected, start: current.start, end: current.end });
        });
      return;
    }
    const skill = skillAtCursor(this.composer.text, this.composer.cursor);
    if (skill) {
      const selected = this.popup?.kind === 'skill' ? this.popup.selected : 0;
      void this.skillList().then((list) => {
        const current = skillAtCursor(this.composer.text, this.composer.cursor);
        if (current?.query !== skill.query) return;
        const matches = matchSkills(current.query, list);
        this.show({ kind: 'skill', matches, selected, start: current.start, end: current.end });
      });
      return;
    }
    const prefix = this.composer.commandPrefix();
    this.popup =
      prefix === undefined ? undefined : { kind: 'command', matches: matchingCommands(prefix), selected: 0 };
  }

  /** Shows a popup whose matches arrived later: the choice made before stays, within the matches. */
  private show(popup: Exclude<Popup, { kind: 'command' }>): void {
    popup.selected = Math.min(popup.selected, Math.max(0, popup.matches.length - 1));
    this.popup = popup;
    this.host.invalidate();
  }

  private fileIndex(): FileIndex {
    const cwd = this.host.cwd();
    if (this.files?.cwd !== cwd) this.files = { cwd, index: new FileIndex(cwd, this.host.git()) };
    return this.files.index;
  }

  private skillList(): Promise<SkillChoice[]> {
    const cwd = this.host.cwd();
    if (this.skills?.cwd !== cwd) this.skills = { cwd, list: this.host.listSkills(cwd) };
    return this.skills.list;
  }
}
