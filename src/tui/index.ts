/** Spool's terminal UI: the interactive session (`spool`, `spool resume`, `spool fork`). */
export { App, type AppOptions, type OpenRequest } from './app/app.js';
export {
  EXIT,
  type InteractiveIo,
  type InteractiveOptions,
  runInteractive,
  type SessionChoice,
} from './run.js';
export { LiveRenderer } from './terminal/renderer.js';
export { nodeTerminal, type TerminalIo } from './terminal/terminal-io.js';
