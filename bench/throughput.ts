/**
 * Slack-limit throughput: a burst of announcements to 3 channels through the notifier, against a fake Slack that
 * enforces about one message a second per channel (short bursts allowed) with 429 + Retry-After. Reports the
 * delivered rate as a share of the limit, and how many were lost, duplicated or out of order.
 * Usage: npm run bench:throughput  (BENCH_MESSAGES to change the burst; default 300)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openDatabase } from '../src/db/client';
import { startFakeSlack } from '../src/fake-slack';
import { Notifier } from '../src/notifier/notifier';
import { header } from './lib';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300);
const CHANNELS = ['C0ANN1', 'C0ANN2', 'C0ANN3'];
const LIMIT = { perSecond: 1, burst: 3 };

export async function benchThroughput(): Promise<void> {
  header(`Slack-limit throughput: ${MESSAGES} announcements to ${CHANNELS.length} channels, limit ${LIMIT.perSecond}/s per channel (burst ${LIMIT.burst})`);
  const token = 'xoxb-bench-throughput';
  const fake = await startFakeSlack({ botToken: token, enforceChannelRate: LIMIT });
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bench-'));
  const { db, close } = openDatabase(join(dir, 'gl.db'));
  let rateLimited = 0;
  const notifier = new Notifier(db, {
    token,
    slackApiUrl: fake.url,
    logger: pino({ level: 'error' }),
    onRateLimited: () => {
      rateLimited++;
    },
  });
  try {
    const t0 = performance.now();
    const sends = Array.from({ length: MESSAGES }, (_, i) => {
      const channel = CHANNELS[i % CHANNELS.length] ?? 'C0ANN1';
      return notifier.post({ channel, text: `announcement ${i}`, dedupeKey: `bench-${i}` }).catch(() => null);
    });
    // the same announcements again, as a retried job would: the ledger must drop them
    const again = Array.from({ length: MESSAGES }, (_, i) => notifier.post({ channel: CHANNELS[i % CHANNELS.length] ?? 'C0ANN1', text: `announcement ${i}`, dedupeKey: `bench-${i}` }).catch(() => null));
    await Promise.all([...sends, ...again]);
    const seconds = (performance.now() - t0) / 1000;
    let delivered = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    for (const ch of CHANNELS) {
      const texts = fake.messages(ch).map((m) => Number(m.text.replace('announcement ', '')));
      delivered += new Set(texts).size;
      duplicated += texts.length - new Set(texts).size;
      for (let i = 1; i < texts.length; i++) if ((texts[i] ?? 0) < (texts[i - 1] ?? 0)) outOfOrder++;
    }
    const limitRate = CHANNELS.length * LIMIT.perSecond;
    // the best any client can do: the burst at once, then the steady rate
    const ideal = (MESSAGES - CHANNELS.length * LIMIT.burst) / limitRate;
    const share = ideal / seconds;
    process.stdout.write(`delivered ${delivered}/${MESSAGES} in ${seconds.toFixed(1)} s (ideal ${ideal.toFixed(1)} s at the limit)\n`);
    process.stdout.write(`rate as a share of the limit: ${(share * 100).toFixed(1)} %  target ≥ 90 % ${share >= 0.9 ? 'MET' : 'MISSED'}\n`);
    process.stdout.write(`lost ${MESSAGES - delivered}, duplicated ${duplicated}, out of order ${outOfOrder}, 429s answered ${rateLimited}  target 0 lost, 0 duplicated ${MESSAGES === delivered && duplicated === 0 ? 'MET' : 'MISSED'}\n`);
  } finally {
    close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchThroughput();
