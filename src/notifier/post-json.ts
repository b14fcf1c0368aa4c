/**
 * POSTs a JSON body and reports the status: what a response_url reply needs, on Node's own http(s) client with
 * keep-alive. `fetch` does the same through web streams and an AbortController per request, which under a burst of
 * private replies costs several times the CPU and garbage of the request itself.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

/** Resolves with the HTTP status once the response has been read; rejects on a network error or after `timeoutMs`. */
export function postJson(url: string, payload: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`not an http(s) URL: ${target.protocol}`));
  return new Promise<number>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(payload);
  });
}
