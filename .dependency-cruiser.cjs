/**
 * Spool's layers, enforced (docs/architecture.md, "Layers"). The one rules file: `npm test` runs
 * it (test/architecture/layers.test.ts), and so does `npm run layers`.
 *
 * Each directory of src/ names the directories it may import from; everything else is forbidden
 * (rule `layers-<directory>`). Imports only point down, so no two directories import each other.
 * A new directory under src/ must be added here first (rule `layers-unknown-directory`).
 */

/** Capability modules: above the loop and the session wiring, below the front ends. */
const CAPABILITIES = ['agents', 'guardian', 'skills', 'review', 'eval', 'telemetry', 'media', 'fleet'];

/** Everything up to and including the loop. */
const CORE = [
  'protocol',
  'version.ts',
  'text',
  'git',
  'sandbox',
  'context',
  'model',
  'config',
  'store',
  'tools',
  'agent',
];

/**
 * Directory (or top-level file) → what it may import, besides itself. Bottom-up:
 * protocol → git, sandbox, context, model, config, store → tools → agent → session → capability
 * modules → front ends.
 */
const LAYERS = {
  // Types and schemas only: the one source of every shape (history, events, rollout, settings).
  protocol: [],
  // Spool's version (read from package.json): a leaf anyone may read.
  'version.ts': [],
  // Pure text functions (the terminal-safe sanitiser): a leaf, like version.ts.
  text: [],
  // The repository: discovery, pinning, what of it the sandbox must not write.
  git: ['protocol'],
  sandbox: ['protocol', 'git'],
  context: ['protocol', 'sandbox'],
  // Wire clients; know nothing about tools (ToolSpec is protocol) or configuration.
  model: ['protocol', 'version.ts'],
  config: ['protocol', 'version.ts', 'context', 'model', 'sandbox'],
  store: ['protocol', 'version.ts', 'context', 'git'],
  // Tools get what they must know about the model passed in: no `model` here.
  tools: ['protocol', 'version.ts', 'git', 'sandbox', 'context', 'config', 'store'],
  agent: ['protocol', 'version.ts', 'git', 'sandbox', 'context', 'model', 'config', 'store', 'tools'],
  // Start, resume and fork a Thread from configuration and a rollout: the one wiring every front end uses.
  session: CORE,
  // Capability modules use the loop through the session layer. One that builds on another (a fleet
  // of sub-agents, say) lists it here explicitly; the rules test refuses two that allow each other.
  ...Object.fromEntries(CAPABILITIES.map((name) => [name, [...CORE, 'session']])),
  // Incident replay runs `spool review`'s code path on each case.
  eval: [...CORE, 'session', 'review', 'agents'],
  'app-server': [...CORE, 'session', ...CAPABILITIES],
  tui: [...CORE, 'session', ...CAPABILITIES, 'app-server'],
  cli: [...CORE, 'session', ...CAPABILITIES, 'app-server', 'tui'],
};

const pathOf = (name) => (name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);
const anyOf = (names) => names.map(pathOf).join('|');

module.exports = {
  forbidden: [
    ...Object.entries(LAYERS).map(([name, allowed]) => ({
      name: `layers-${name.replace('.ts', '')}`,
      comment: allowed.length
        ? `src/${name} may import only from: ${allowed.join(', ')} (see .dependency-cruiser.cjs and docs/architecture.md)`
        : `src/${name} imports nothing from the rest of src/ (see .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: pathOf(name) },
      to: {
        path: '^src/',
        pathNot: [pathOf(name), ...(allowed.length ? [anyOf(allowed)] : [])],
      },
    })),
    {
      name: 'layers-unknown-directory',
      comment:
        'every directory (and top-level file) of src/ has a place in the layers: add it to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(Object.keys(LAYERS)) },
      to: {},
    },
    {
      name: 'no-circular',
      comment:
        'modules that import each other (directly or through others) are one module: merge or split them',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.json$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

// For the rules test (not a dependency-cruiser option, so kept off the exported configuration).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
