import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const channelsDir = path.join(root, 'channels');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What an adapter may import from the core: the contract and the shared helpers, nothing else. */
export function boundaryViolations(file: string, source: string): string[] {
  const problems: string[] = [];
  const ownFolder = path.relative(channelsDir, file).split(path.sep)[0]!;
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    if (specifier.startsWith('.')) {
      const target = path.relative(root, path.resolve(path.dirname(file), specifier));
      const allowed =
        target === path.join('src', 'channels', 'contract.ts') ||
        target.startsWith(path.join('src', 'shared') + path.sep) ||
        target.startsWith(path.join('channels', ownFolder) + path.sep);
      if (!allowed) problems.push(`${path.relative(root, file)} imports ${specifier}`);
    } else if (/^(postgres|pg|pg-boss|@slack\/|hono|@hono\/)/.test(specifier)) {
      problems.push(`${path.relative(root, file)} imports ${specifier}`);
    }
  }
  if (/process\.env/.test(source)) problems.push(`${path.relative(root, file)} reads process.env`);
  return problems;
}

describe('import boundaries', () => {
  it('lets channels/ import only the channel contract, shared helpers and their own folder', () => {
    const problems = files(channelsDir).flatMap((file) => boundaryViolations(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catches an adapter reaching into the database, Slack or another channel', () => {
    const file = path.join(channelsDir, 'api', 'index.ts');
    expect(boundaryViolations(file, "import { ingest } from '../../src/tickets/intake.ts';")).toHaveLength(1);
    expect(boundaryViolations(file, "import { x } from '../twilio/index.ts';")).toHaveLength(1);
    expect(boundaryViolations(file, "import postgres from 'postgres';")).toHaveLength(1);
    expect(boundaryViolations(file, "import { App } from '@slack/bolt';")).toHaveLength(1);
    expect(boundaryViolations(file, 'const t = process.env.TOKEN;')).toHaveLength(1);
    expect(boundaryViolations(file, "import type { Sink } from '../../src/channels/contract.ts';")).toEqual([]);
    expect(boundaryViolations(file, "import { normalisePhone } from '../../src/shared/address.ts';")).toEqual([]);
  });

  it('lets only the registry import adapters from the core', () => {
    const reachesAdapters = (file: string) =>
      [...readFileSync(file, 'utf8').matchAll(IMPORT)].some(([, a, b]) => {
        const specifier = a ?? b!;
        return specifier.startsWith('.') && path.resolve(path.dirname(file), specifier).startsWith(channelsDir + path.sep);
      });
    const offenders = files(path.join(root, 'src')).filter(reachesAdapters).map((file) => path.relative(root, file));
    expect(offenders).toEqual([path.join('src', 'channels', 'registry.ts')]);
  });
});
