/**
 * The environment context names the time zone and the date in it, read from the system (`TZ`, the
 * `/etc/localtime` link) rather than from Intl, whose first use is slow; the date must still be
 * the zone's, not UTC's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { currentEnvironment } from '../../src/context/environment-context.js';

const saved = process.env.TZ;
afterEach(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

// 20:30 UTC on March 4th: already March 5th in Tokyo, still March 4th in New York.
const NOW = new Date(Date.UTC(2026, 2, 4, 20, 30));

describe('environment context: time zone and date', () => {
  it('takes the zone from TZ, and gives the date in that zone', () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(currentEnvironment('/w', {}, NOW)).toMatchObject({
      timezone: 'Asia/Tokyo',
      currentDate: '2026-03-05',
    });
  });

  it('reads a TZ that points into a zoneinfo tree as the zone it names', () => {
    process.env.TZ = ':/usr/share/zoneinfo/America/New_York';
    expect(currentEnvironment('/w', {}, NOW)).toMatchObject({
      timezone: 'America/New_York',
      currentDate: '2026-03-04',
    });
  });

  it('pads month and day', () => {
    process.env.TZ = 'UTC';
    expect(currentEnvironment('/w', {}, new Date(Date.UTC(2026, 0, 9, 12)))).toMatchObject({
      timezone: 'UTC',
      currentDate: '2026-01-09',
    });
  });
});
