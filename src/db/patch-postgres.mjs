// Run by `npm install`/`npm ci` (postinstall). postgres.js 3.4.9 (the latest) has two faults in
// its write scheduler that `npm run chaos` hit when Postgres restarted under load
// (upstream: porsager/postgres issues 1154, 1066, 1208; unmerged pull requests 1168, 1176):
// a deferred write firing after the socket closed throws an uncatchable TypeError that ends the
// whole process, and a write still pending at a close leaves its timer set, so that pooled
// connection never sends anything again. This applies the upstream guard, once, to both builds.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'postgres');
const MARK = '/* switchboard: null-socket write guard */';

for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
  const target = path.join(root, file);
  if (!existsSync(target)) continue;
  let text = readFileSync(target, 'utf8');
  if (text.includes(MARK)) continue;
  const next = text.replace(
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  );
  const reset = next.replaceAll('    clearImmediate(nextWriteTimer)\n', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n');
  if (next === text || reset === next) {
    process.stderr.write(`patch-postgres: ${file} is not the postgres.js 3.4.9 this patch was written for; left as it is\n`);
    continue;
  }
  writeFileSync(target, reset);
}
