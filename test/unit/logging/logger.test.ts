/**
 * The production log destination (stdout, batched): a line is written within moments even when the buffer is far from
 * full, a burst is written whole, and whatever is buffered is written when the process exits. Real child processes.
 */
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../../src/logger';

const LOGGER = new URL('../../../src/logger.ts', import.meta.url).pathname;

/** Runs `body` in a child process with `logger` created by createLogger(); collects stdout until `until` is true or the child exits. */
function child(body: string, until: (out: string) => boolean): Promise<{ out: string; exited: boolean }> {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst logger = createLogger({ level: 'info' });\n${body}`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let done = false;
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!done && until(out)) {
        done = true;
        p.kill('SIGKILL');
        resolve({ out, exited: false });
      }
    });
    p.once('error', reject);
    p.once('exit', () => {
      if (!done) resolve({ out, exited: true });
    });
  });
}

const lines = (out: string) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; n?: number });

describe('the stdout log destination', () => {
  it('writes a lone line while the process keeps running (the buffer is flushed on a timer, not only when full)', async () => {
    // the child would stay alive for a minute: the line must arrive before that, without an exit flushing it
    const { out, exited } = await child(`logger.info('Greenlight is listening'); setTimeout(() => undefined, 60_000);`, (o) => o.includes('\n'));
    expect(exited).toBe(false);
    expect(lines(out)).toMatchObject([{ msg: 'Greenlight is listening', app: 'greenlight' }]);
  });

  it('writes every line of a burst, in order, and what is buffered when the process exits', async () => {
    const { out, exited } = await child(`for (let n = 0; n < 5000; n++) logger.info({ n }, 'line'); logger.info('last'); process.exit(0);`, () => false);
    expect(exited).toBe(true);
    const got = lines(out);
    expect(got).toHaveLength(5001);
    expect(got.slice(0, 5000).map((l) => l.n)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(got.at(-1)?.msg).toBe('last');
  });
});

describe('secrets in log lines', () => {
  /** A logger writing into an array, one parsed line per entry. */
  function captured(secrets: string[] = []): { logger: ReturnType<typeof createLogger>; out: Record<string, unknown>[] } {
    const out: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) out.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    return { logger: createLogger({ level: 'info', destination, secrets }), out };
  }

  it('masks secret keys at the top of a line and nested below it, and leaves the logged object as it was', async () => {
    const { logger, out } = captured();
    const fields = {
      token: 'xoxb-top-level',
      env: { slackBotToken: 'xoxb-nested', slackSigningSecret: 'sig-nested', port: 3000 },
      req: { headers: { authorization: 'Bearer abc', 'content-type': 'application/json' } },
      calls: [{ apiToken: 'in-an-array' }],
      n: 7,
    };
    logger.info(fields, 'config');
    logger.flush();
    await new Promise((r) => setImmediate(r));
    const line = out[0] ?? {};
    expect(JSON.stringify(line)).not.toMatch(/xoxb-|sig-nested|Bearer abc|in-an-array/);
    expect(line).toMatchObject({
      token: '[redacted]',
      env: { slackBotToken: '[redacted]', slackSigningSecret: '[redacted]', port: 3000 },
      req: { headers: { authorization: '[redacted]', 'content-type': 'application/json' } },
      calls: [{ apiToken: '[redacted]' }],
      n: 7,
      msg: 'config',
    });
    // the caller's object is not changed
    expect(fields.env.slackBotToken).toBe('xoxb-nested');
    expect(fields.req.headers.authorization).toBe('Bearer abc');
  });

  it('masks a configured secret inside a message string', async () => {
    const { logger, out } = captured(['s3cr3t-value-123']);
    logger.info('calling with s3cr3t-value-123 now');
    logger.flush();
    await new Promise((r) => setImmediate(r));
    expect(out[0]?.msg).toBe('calling with [redacted] now');
  });

  it('returns a line without secrets as it is, without copying it', () => {
    const plain = { method: 'POST', path: '/slack/events', status: 200, ms: 1.2, nested: { a: 1 } };
    expect(redactSecrets(plain)).toBe(plain);
    const withSecret = { a: { b: { token: 'x' } } };
    expect(redactSecrets(withSecret)).not.toBe(withSecret);
    expect(redactSecrets(withSecret)).toEqual({ a: { b: { token: '[redacted]' } } });
  });
});
