import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// postgres.js 3.4.9 crashed the process when a deferred write met a closed socket, and could
// leave a pooled connection that never sent again (npm run chaos, Postgres restarted under
// load). src/db/patch-postgres.mjs applies the upstream guard at install.

describe('the Postgres driver', () => {
  it('is the patched postgres.js, in both its ESM and CommonJS builds', () => {
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      const text = readFileSync(new URL(`../../node_modules/postgres/${file}`, import.meta.url), 'utf8');
      expect(text, file).toContain('/* switchboard: null-socket write guard */');
      expect(text.match(/\n {4}clearImmediate\(nextWriteTimer\)\n {4}chunk = nextWriteTimer = null/g), file).toHaveLength(2);
    }
  });
});
