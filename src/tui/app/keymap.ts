/** The composer's editing keys (Emacs-style line editing, as readline and Codex have them). */
import type { Key } from '../terminal/keys.js';
import type { Composer } from '../view/composer.js';

/** Applies an editing key; false when the key is not an editing key. */
export function handleEditingKey(composer: Composer, key: Key): boolean {
  switch (key.name) {
    case 'text': {
      const text = key.text ?? '';
      if (key.ctrl) {
        switch (text) {
          case 'a':
            composer.home();
            return true;
          case 'e':
            composer.end();
            return true;
          case 'b':
            composer.left();
            return true;
          case 'f':
            composer.right();
            return true;
          case 'k':
            composer.killToEnd();
            return true;
          case 'u':
            composer.killToStart();
            return true;
          case 'w':
            composer.deleteWordBack();
            return true;
          case 'h':
            composer.backspace();
            return true;
          case 'p':
            composer.up();
            return true;
          case 'n':
            composer.down();
            return true;
        }
        return false;
      }
      if (key.alt) {
        if (text === 'b') composer.wordLeft();
        else if (text === 'f') composer.wordRight();
        else if (text === 'd') {
          const start = composer.cursor;
          composer.wordRight();
          composer.replaceRange(start, composer.cursor, '');
        } else return false;
        return true;
      }
      composer.insert(text);
      return true;
    }
    case 'paste':
      composer.paste(key.text ?? '');
      return true;
    case 'newline':
      composer.insert('\n');
      return true;
    case 'backspace':
      if (key.alt || key.ctrl) composer.deleteWordBack();
      else composer.backspace();
      return true;
    case 'delete':
      composer.deleteForward();
      return true;
    case 'left':
      if (key.ctrl || key.alt) composer.wordLeft();
      else composer.left();
      return true;
    case 'right':
      if (key.ctrl || key.alt) composer.wordRight();
      else composer.right();
      return true;
    case 'up':
      composer.up();
      return true;
    case 'down':
      composer.down();
      return true;
    case 'home':
      composer.home();
      return true;
    case 'end':
      composer.end();
      return true;
    default:
      return false;
  }
}
