/**
 * The load generator of the ack benchmark, in its own process so that serving the fake Slack (in the parent)
 * never delays the requests being measured. Reads a plan (JSON) from the file named by argv[2], sends each request
 * at its time signed like Slack to the URL in argv[3] (the same plan goes to Greenlight and to the bare app), and
 * prints one JSON line: ack latencies and the send times of approval clicks.
 * It sends with node:http over kept-alive connections: fetch (undici) cost about a millisecond of CPU a request,
 * 40 % of one of the machine's two cores at 400 requests a second, taken from the apps being measured.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

interface Plan {
  url: string;
  secret: string;
  rate: number; // requests per second, in total
  requests: { body: string; contentType: string; approval?: string }[];
}

const plan = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Plan;
const url = process.argv[3] ?? plan.url;
const acks: number[] = [];
const approvals: { ts: string; sentAt: number }[] = [];
let errors = 0;
const interval = 1000 / plan.rate;
const start = performance.now();
const inflight: Promise<void>[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const target = new URL(url);

/** POSTs `body`; resolves with the status (0 when the request failed). */
function post(body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', () => resolve(0));
      },
    );
    req.once('error', () => resolve(0));
    req.end(body);
  });
}
for (let i = 0; i < plan.requests.length; i++) {
  const due = start + i * interval;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const req = plan.requests[i];
  if (!req) continue;
  inflight.push(
    (async () => {
      const ts = Math.floor(Date.now() / 1000);
      const signature = `v0=${createHmac('sha256', plan.secret).update(`v0:${ts}:${req.body}`).digest('hex')}`;
      const sentAt = Date.now();
      const t0 = performance.now();
      const status = await post(req.body, { 'content-type': req.contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature });
      const ok = status === 200;
      acks.push(performance.now() - t0);
      if (!ok) errors++;
      // a refused click (503: Greenlight busy) changes no card, so it has no click → card time
      else if (req.approval) approvals.push({ ts: req.approval, sentAt });
    })(),
  );
}
await Promise.all(inflight);
agent.destroy();
process.stdout.write(`${JSON.stringify({ acks, approvals, errors })}\n`);
