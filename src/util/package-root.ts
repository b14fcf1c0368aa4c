/**
 * The folder that holds Greenlight's `package.json` and `migrations/`. The code runs from `src/` under tsx (tests,
 * `npm run dev`) and from the bundle in `dist/` (`npm start`, the image), so files that ship beside the code are
 * found from here, not from a path relative to one module.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Greenlight's package folder (with package.json and migrations/) was not found above ${start}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
