import express from 'express';
import type { Router } from 'express';
import { withTimeout } from '../util/timeout';

export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean>;
}

/** /healthz: the process answers. /readyz: SQLite and Redis answer too (503 with the failing parts otherwise). */
export function healthRouter(probes: ReadinessProbe[]): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      probes.map(async (p) => {
        try {
          return [p.name, await withTimeout(p.check(), 1500)] as const;
        } catch {
          return [p.name, false] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results.map(([n, ok]) => [n, ok ? 'ok' : 'failing']));
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}

