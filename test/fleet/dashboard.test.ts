/**
 * `spool queue dashboard` in a real headless browser (Debian's Chromium driven by Playwright):
 * the board loads on loopback and shows the queue's jobs and their states; with a token the page
 * is refused without it and works once it is given; a non-loopback address without a token is
 * refused before anything listens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetQueue } from '../../src/fleet/queue.js';
import { SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { fleetEnv, queueSettingsFor, type RedisServer, spool, startRedis, until } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let redis: RedisServer;
let browser: BrowserContext;
const servers: ChildProcess[] = [];

/** Starts the dashboard with the real binary; resolves with the URL it prints. */
async function dashboard(env: NodeJS.ProcessEnv, args: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [SPOOL_BIN, 'queue', 'dashboard', '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  servers.push(child);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const match = await until(
    () => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr),
    `the dashboard to start (${stderr})`,
  );
  return (match as RegExpExecArray)[1] as string;
}

beforeAll(async () => {
  redis = await startRedis();
  const queue = await FleetQueue.open(queueSettingsFor(redis.url));
  for (const name of ['review-pr-101', 'review-pr-102', 'migrate-svc-7'])
    await queue.submit(
      {
        kind: name.startsWith('review') ? 'review' : 'exec',
        repo: '/srv/repo',
        ref: 'main',
        prompt: 'x',
        config: [],
        submitted_at: new Date().toISOString(),
      },
      { id: name },
    );
  await queue.close();
  // A fresh profile directory per run; Playwright passes it as --user-data-dir.
  browser = await chromium.launchPersistentContext(tempDir('spool-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
});

afterAll(async () => {
  await browser?.close();
  for (const child of servers) if (child.exitCode === null) child.kill('SIGTERM');
  await redis?.stop();
});

describe('spool queue dashboard', () => {
  it('shows the queue and its jobs with their states on loopback', async () => {
    const url = await dashboard(fleetEnv(tempDir(), 'http://127.0.0.1:9', redis.url));
    const page = await browser.newPage();
    const response = await page.goto(`${url}queue/spool?status=waiting`);
    expect(response?.status()).toBe(200);
    await page.getByText('review-pr-101').first().waitFor({ timeout: 30_000 });
    const text = await page.locator('body').innerText();
    for (const id of ['review-pr-101', 'review-pr-102', 'migrate-svc-7']) expect(text).toContain(id);
    expect(text).toMatch(/waiting/i);
    if (process.env.FLEET_SCREENSHOT)
      await page.screenshot({ path: process.env.FLEET_SCREENSHOT, fullPage: true });
    await page.close();
  }, 90_000);

  it('requires the token when one is set, and accepts it', async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'fleet-s3cret\n');
    const url = await dashboard(fleetEnv(tempDir(), 'http://127.0.0.1:9', redis.url), [
      '--token-file',
      tokenFile,
    ]);
    const page = await browser.newPage();
    expect((await page.goto(url))?.status()).toBe(401);
    expect((await page.goto(`${url}?token=wrong`))?.status()).toBe(401);
    const api = await page.request.get(`${url}api/queues`);
    expect(api.status()).toBe(401);
    // The token once in the URL: a cookie keeps it for the board's own requests.
    await page.goto(`${url}queue/spool?status=waiting&token=fleet-s3cret`);
    expect(page.url()).not.toContain('token=');
    await page.getByText('migrate-svc-7').first().waitFor({ timeout: 30_000 });
    const bearer = await page.request.get(`${url}api/queues`, {
      headers: { authorization: 'Bearer fleet-s3cret' },
    });
    expect(bearer.status()).toBe(200);
    await page.close();
  }, 90_000);

  it('refuses a non-loopback address without a token', async () => {
    const run = await spool(
      ['queue', 'dashboard', '--host', '0.0.0.0', '--port', '0'],
      fleetEnv(tempDir(), 'http://127.0.0.1:9', redis.url),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refusing to serve the dashboard on 0.0.0.0 without a token');
  }, 60_000);
});
