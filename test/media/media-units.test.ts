/** The pure parts of the media agent: prices, task states, Retry-After, journal spend. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskIdOf, taskStateOf } from '../../src/media/generate-video.js';
import { retryAfterMs } from '../../src/media/http.js';
import { MediaJournal } from '../../src/media/journal.js';
import { mediaPriceOf, quote } from '../../src/media/prices.js';
import { tempDir } from '../support/thread.js';

describe('media prices', () => {
  it('prices images per image, videos per generation or second, with resolution multipliers', () => {
    expect(quote(mediaPriceOf('gpt-image-2'), { kind: 'image', count: 3 }).usd).toBeCloseTo(0.09, 10);
    expect(quote(mediaPriceOf('seedance-2-0'), { kind: 'video', durationSeconds: 5 }).usd).toBeCloseTo(
      0.15,
      10,
    );
    expect(
      quote(mediaPriceOf('seedance-2-0'), { kind: 'video', durationSeconds: 10, resolution: '720p' }).usd,
    ).toBeCloseTo(0.33, 10);
    const perSecond = mediaPriceOf('clip-model', {
      mediaPrices: { 'clip-model': { per_second: 0.1, resolution_multipliers: { '1080p': 3 } } },
    });
    expect(quote(perSecond, { kind: 'video', durationSeconds: 4, resolution: '1080p' })).toEqual({
      usd: 0.1 * 4 * 3,
      basis: '4 s × $0.1 per second × 3 (1080p)',
    });
    // The cost module's [model_prices] table serves when it has a media part.
    const fromModelPrices = mediaPriceOf('vid', {
      modelPrices: { vid: { input: 0, cachedInput: 0, output: 0, perGeneration: 0.2 } },
    });
    expect(quote(fromModelPrices, { kind: 'video', durationSeconds: 5 }).usd).toBe(0.2);
    // Unknown: null, never zero; a config price replaces the catalog's.
    expect(quote(mediaPriceOf('nobody-knows'), { kind: 'image', count: 1 }).usd).toBeNull();
    expect(
      mediaPriceOf('gpt-image-2', { mediaPrices: { 'gpt-image-2': { per_image: 0.05 } } })?.perImage,
    ).toBe(0.05);
  });
});

describe('video task answers', () => {
  it('reads task ids and states in the shapes platforms use', () => {
    expect(taskIdOf({ id: 'cgt-1' })).toBe('cgt-1');
    expect(taskIdOf({ data: { task_id: 't-2' } })).toBe('t-2');
    expect(taskIdOf({ ok: true })).toBeUndefined();
    expect(taskStateOf({ status: 'queued' })).toEqual({ state: 'waiting', status: 'queued' });
    expect(taskStateOf({ status: 'succeeded', content: { video_url: 'https://x/v.mp4' } })).toEqual({
      state: 'succeeded',
      url: 'https://x/v.mp4',
    });
    expect(taskStateOf({ data: { status: 'SUCCESS', video_url: 'https://x/y.mp4' } })).toEqual({
      state: 'succeeded',
      url: 'https://x/y.mp4',
    });
    expect(taskStateOf({ status: 'failed', error: { message: 'bad' } })).toEqual({
      state: 'failed',
      message: 'failed: bad',
    });
    expect(taskStateOf({ status: 'expired' }).state).toBe('expired');
    expect(taskStateOf({ status: 'cancelled' }).state).toBe('failed');
  });

  it('reads Retry-After as seconds, as a date and as retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });
});

describe('media journal', () => {
  it('sums the spend from submissions and their ends, and survives a torn last line', () => {
    const file = path.join(tempDir(), 'media', 's.jsonl');
    const journal = MediaJournal.open(file);
    const submit = { kind: 'image' as const, model: 'm', prompt: 'p', params: {}, basis: 'b' };
    journal.append({ type: 'submit', call_id: 'a', cost_usd: 0.03, ...submit });
    journal.append({ type: 'submit', call_id: 'b', cost_usd: 0.05, ...submit });
    journal.append({ type: 'end', call_id: 'b', status: 'rejected', cost_usd: 0, files: [] });
    journal.append({ type: 'submit', call_id: 'c', cost_usd: 0.07, ...submit });
    fs.appendFileSync(file, '{"type":"end","call_id":"c","sta');
    const reopened = MediaJournal.open(file);
    expect(reopened.spentUsd()).toBeCloseTo(0.1, 10);
    expect(reopened.unfinished().map((e) => e.submit.call_id)).toEqual(['a', 'c']);
  });
});
