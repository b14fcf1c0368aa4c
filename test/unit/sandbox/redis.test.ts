/** The sandbox's Redis: a private redis-server when nothing answers at the default URL, else one clear line. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ensureRedis, findOnPath, redisAnswers } from '../../../src/sandbox/redis';

function unusedPort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

describe('ensureRedis', () => {
  it.skipIf(findOnPath('redis-server') === null)('starts a private redis-server when nothing answers at the default URL, and stops it', async () => {
    const silent = `redis://127.0.0.1:${await unusedPort()}`;
    expect(await redisAnswers(silent, 300)).toBe(false);
    const redis = await ensureRedis(silent, true);
    try {
      expect(redis.private).toBe(true);
      expect(redis.url).not.toBe(silent);
      expect(await redisAnswers(redis.url)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await redisAnswers(redis.url, 300)).toBe(false);
  });

  it('uses a Redis that answers, without starting one', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redis = await ensureRedis(url, true);
    expect(redis).toMatchObject({ url, private: false });
    await redis.stop();
    expect(await redisAnswers(url)).toBe(true);
  });

  it('says how to get Redis when REDIS_URL was chosen and does not answer', async () => {
    const silent = `redis://127.0.0.1:${await unusedPort()}`;
    await expect(ensureRedis(silent, false)).rejects.toThrow(`REDIS_URL: nothing answers at ${silent}; start Redis there or unset REDIS_URL`);
  });

  it('says how to get Redis when redis-server is not on the PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const silent = `redis://127.0.0.1:${await unusedPort()}`;
      await expect(ensureRedis(silent, true)).rejects.toThrow(/^Redis: nothing answers at .* and redis-server is not on the PATH; install Redis/);
    } finally {
      process.env.PATH = path;
    }
  });
});
