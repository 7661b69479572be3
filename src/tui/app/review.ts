/**
 * `/review`: pick what to review — the uncommitted changes, the changes against a base branch, a
 * commit — or give instructions (`/review TEXT`); the review runs as a turn of this session through
 * the app-server's `review/start` (src/review/), and its findings join the conversation.
 */
import type { HostGit } from '../../sandbox/host-git.js';
import { Picker, type PickerItem } from '../view/picker.js';
import type { Transcript } from '../view/transcript.js';
import type { SessionClient } from './session.js';

/** What `/review` needs of the app (a part of commands.ts's CommandHost, which lists this command). */
export interface ReviewHost {
  readonly session: SessionClient;
  readonly transcript: Transcript;
  cwd(): string;
  git(): HostGit | undefined;
  openPicker<T>(picker: Picker<T>): void;
  invalidate(): void;
}

type Choice = 'uncommitted' | 'base' | 'commit' | 'custom';

const CHOICES: Array<PickerItem<Choice>> = [
  { label: 'Uncommitted changes', detail: 'staged, unstaged and untracked files', value: 'uncommitted' },
  { label: 'Against a base branch', detail: 'what this branch would merge', value: 'base' },
  { label: 'A commit', detail: 'what one commit introduced', value: 'commit' },
  { label: 'Custom instructions', detail: 'type /review followed by what to review', value: 'custom' },
];

async function start(host: ReviewHost, target: object): Promise<void> {
  try {
    await host.session.request('review/start', {
      threadId: host.session.threadId,
      target,
      delivery: 'inline',
    });
  } catch (err) {
    host.transcript.system('error', `/review: ${(err as Error).message}`);
    host.invalidate();
  }
}

/** Lines of git's output for the pinned repository, or a message when there is none. */
async function gitLines(host: ReviewHost, args: string[]): Promise<string[] | string> {
  const git = host.git();
  if (!git) return `${host.cwd()} is not inside a git repository`;
  const run = await git.run(args);
  if (run.code !== 0) return `git ${args[0]} failed: ${run.stderr.trim()}`;
  return run.stdout.split('\n').filter((line) => line.trim() !== '');
}

async function pickBranch(host: ReviewHost): Promise<void> {
  const branches = await gitLines(host, [
    'for-each-ref',
    '--format=%(refname:short)',
    'refs/heads',
    'refs/remotes',
  ]);
  if (typeof branches === 'string') return host.transcript.system('error', `/review: ${branches}`);
  const items = branches
    .filter((b) => !b.endsWith('/HEAD'))
    .map((branch) => ({ label: branch, value: branch }));
  if (items.length === 0) return host.transcript.system('info', 'No branch to compare with.');
  host.openPicker(
    new Picker(
      'Review against which base branch?',
      items,
      (branch) => void start(host, { type: 'baseBranch', branch }),
    ),
  );
}

async function pickCommit(host: ReviewHost): Promise<void> {
  const commits = await gitLines(host, ['log', '-n', '50', '--format=%H%x09%s']);
  if (typeof commits === 'string') return host.transcript.system('error', `/review: ${commits}`);
  const items = commits.map((line) => {
    const [sha = '', title = ''] = line.split('\t');
    return { label: `${sha.slice(0, 7)} ${title}`, value: { sha, title } };
  });
  if (items.length === 0) return host.transcript.system('info', 'No commit to review.');
  host.openPicker(
    new Picker(
      'Review which commit?',
      items,
      (commit) => void start(host, { type: 'commit', sha: commit.sha, title: commit.title }),
    ),
  );
}

export async function reviewCommand(host: ReviewHost, args: string): Promise<void> {
  if (args.trim()) return start(host, { type: 'custom', instructions: args.trim() });
  host.openPicker(
    new Picker('What should be reviewed?', CHOICES, (choice) => {
      if (choice === 'uncommitted') void start(host, { type: 'uncommittedChanges' });
      else if (choice === 'base') void pickBranch(host);
      else if (choice === 'commit') void pickCommit(host);
      else {
        host.transcript.system('info', 'Type /review followed by what to review and how.');
        host.invalidate();
      }
    }),
  );
}
