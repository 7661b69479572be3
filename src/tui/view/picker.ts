/** A list to choose from (sessions, models, approval presets): ↑/↓, type to filter, Enter, Esc. */
import { paint } from '../terminal/ansi.js';
import { truncateLine } from '../terminal/width.js';

export interface PickerItem<T> {
  label: string;
  detail?: string;
  value: T;
}

export class Picker<T> {
  selected = 0;
  filter = '';

  constructor(
    readonly title: string,
    private readonly all: ReadonlyArray<PickerItem<T>>,
    readonly onChoose: (value: T) => void,
    /** Rows of items shown at once. */
    private readonly visible = 10,
    /** Called when the picker is closed without a choice (Esc, Ctrl-C). */
    readonly onCancel?: () => void,
  ) {}

  get items(): Array<PickerItem<T>> {
    const f = this.filter.toLowerCase();
    return f === ''
      ? [...this.all]
      : this.all.filter((item) => `${item.label} ${item.detail ?? ''}`.toLowerCase().includes(f));
  }

  move(step: number): void {
    const count = this.items.length;
    if (count === 0) return;
    this.selected = (this.selected + step + count) % count;
  }

  type(text: string): void {
    this.filter += text;
    this.selected = 0;
  }

  erase(): void {
    this.filter = this.filter.slice(0, -1);
    this.selected = 0;
  }

  current(): T | undefined {
    return this.items[this.selected]?.value;
  }

  render(width: number): string[] {
    const items = this.items;
    const lines = [
      paint(this.title, { bold: true }) +
        (this.filter ? paint(`  filter: ${this.filter}`, { fg: 'cyan' }) : ''),
    ];
    if (items.length === 0) lines.push(paint('  (nothing matches)', { dim: true }));
    const first = Math.max(
      0,
      Math.min(this.selected - Math.floor(this.visible / 2), items.length - this.visible),
    );
    for (let i = first; i < Math.min(items.length, first + this.visible); i++) {
      const item = items[i]!;
      const chosen = i === this.selected;
      const text = `${chosen ? '›' : ' '} ${item.label}${item.detail ? paint(`  ${item.detail}`, { dim: true }) : ''}`;
      lines.push(
        truncateLine(
          chosen
            ? paint(`${chosen ? '›' : ' '} ${item.label}`, { fg: 'cyan', bold: true }) +
                (item.detail ? paint(`  ${item.detail}`, { dim: true }) : '')
            : text,
          width,
          true,
        ),
      );
    }
    lines.push(paint('↑/↓ select · type to filter · enter choose · esc cancel', { dim: true }));
    return lines;
  }
}
