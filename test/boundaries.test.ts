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

// `import … from`, `export … from` (type-only too, across lines), bare `import '…'` and
// `import('…')`; a statement's `;` ends the search, so code after an export is not read as one.
const IMPORT = /^\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The specifiers a source file imports, in order. */
function specifiers(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

/** The files a source file imports relatively, as paths from the repository root. */
function localImports(file: string, source: string): string[] {
  return specifiers(source)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.relative(root, path.resolve(path.dirname(file), specifier)));
}

/** What an adapter may import from the core: the contract and the shared helpers, nothing else. */
export function boundaryViolations(file: string, source: string): string[] {
  const problems: string[] = [];
  const ownFolder = path.relative(channelsDir, file).split(path.sep)[0]!;
  for (const specifier of specifiers(source)) {
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

/** A root-relative path with forward slashes, as the layer rules name files. */
const fromRoot = (file: string) => path.relative(root, file).split(path.sep).join('/');
const inside = (dir: string) => (target: string) => target.startsWith(`${dir}/`);
const is = (file: string) => (target: string) => target === file;
const anyOf = (...tests: ((target: string) => boolean)[]) => (target: string) => tests.some((test) => test(target));

/**
 * The layers of the core, lowest first: what a file of each may import from src/ and channels/
 * (packages are not the layers' concern). The foundations (shared helpers, errors, the logger,
 * the database) know nothing above them; tickets know nothing of the parts built on them.
 */
const LAYERS: { rule: string; applies: (file: string) => boolean; allowed: (target: string) => boolean }[] = [
  { rule: 'src/shared imports only src/shared', applies: inside('src/shared'), allowed: inside('src/shared') },
  { rule: 'src/errors.ts imports nothing of ours', applies: is('src/errors.ts'), allowed: () => false },
  { rule: 'src/log.ts imports only src/shared', applies: is('src/log.ts'), allowed: inside('src/shared') },
  {
    rule: 'src/db imports only src/db, src/shared, src/errors.ts and src/log.ts',
    applies: inside('src/db'),
    allowed: anyOf(inside('src/db'), inside('src/shared'), is('src/errors.ts'), is('src/log.ts')),
  },
  {
    rule: 'src/tickets imports nothing of src/sla, src/slack, src/http, modules, config or app',
    applies: inside('src/tickets'),
    allowed: (target) => !anyOf(inside('src/sla'), inside('src/slack'), inside('src/http'), is('src/modules.ts'), is('src/config.ts'), is('src/app.ts'))(target),
  },
];

/** Where a core file imports across its layer's boundary (type-only imports included). */
export function layerViolations(file: string, source: string): string[] {
  const name = fromRoot(file);
  const rules = LAYERS.filter((layer) => layer.applies(name));
  return specifiers(source)
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const target = fromRoot(path.resolve(path.dirname(file), specifier));
      return rules.filter((layer) => !layer.allowed(target)).map((layer) => `${name} imports ${specifier} (${layer.rule})`);
    });
}

/**
 * Every import cycle in `graph` (file → files it imports), each as the path that closes it,
 * `a.ts → b.ts → a.ts`, starting from its first file in sorting order. A cycle is found once
 * whichever file the walk entered it by.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles = new Map<string, string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (node: string) => {
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onStack.has(next)) {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort()[0]!);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        const key = rotated.join('\n');
        if (!cycles.has(key)) cycles.set(key, [...rotated, rotated[0]].join(' → '));
      } else if (!done.has(next) && graph.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node);
  return [...cycles.values()].sort();
}

/** The import graph of src/ and channels/: each file and the files of ours it imports. */
function importGraph(): Map<string, string[]> {
  const all = [...files(path.join(root, 'src')), ...files(channelsDir)];
  return new Map(all.map((file) => [fromRoot(file), localImports(file, readFileSync(file, 'utf8')).map((target) => target.split(path.sep).join('/'))]));
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
      localImports(file, readFileSync(file, 'utf8')).some((target) => target.startsWith('channels' + path.sep));
    const offenders = files(path.join(root, 'src')).filter(reachesAdapters).map((file) => path.relative(root, file));
    expect(offenders).toEqual([path.join('src', 'channels', 'registry.ts')]);
  });

  it('keeps the core in layers: foundations import nothing above them, tickets nothing built on them', () => {
    const problems = files(path.join(root, 'src')).flatMap((file) => layerViolations(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catches a file importing across its layer', () => {
    const at = (file: string) => path.join(root, ...file.split('/'));
    expect(layerViolations(at('src/tickets/replies.ts'), "import { ticketCard } from '../slack/index.ts';")).toEqual([
      'src/tickets/replies.ts imports ../slack/index.ts (src/tickets imports nothing of src/sla, src/slack, src/http, modules, config or app)',
    ]);
    expect(layerViolations(at('src/tickets/view.ts'), "import type { SlaTarget } from '../sla/sla-sql.ts';")).toHaveLength(1);
    expect(layerViolations(at('src/tickets/context.ts'), "import type { Config } from '../config.ts';")).toHaveLength(1);
    expect(layerViolations(at('src/shared/http.ts'), "import { ChannelInputError } from '../channels/contract.ts';")).toHaveLength(1);
    expect(layerViolations(at('src/log.ts'), "import type { LogLevel } from './config.ts';")).toHaveLength(1);
    expect(layerViolations(at('src/errors.ts'), "import { x } from './shared/clock.ts';")).toHaveLength(1);
    expect(layerViolations(at('src/db/index.ts'), "import type { Jobs } from '../jobs/index.ts';")).toHaveLength(1);
    expect(layerViolations(at('src/tickets/replies.ts'), "import type { Jobs } from '../jobs/index.ts';")).toEqual([]);
    expect(layerViolations(at('src/db/index.ts'), "import { ConfigError } from '../errors.ts';")).toEqual([]);
    expect(layerViolations(at('src/log.ts'), "import { systemClock } from './shared/clock.ts';")).toEqual([]);
  });

  it('has no import cycle among src/ and channels/ files, type-only imports included', () => {
    expect(importCycles(importGraph())).toEqual([]);
  });

  it('reports an import cycle as the path that closes it', () => {
    const graph = new Map([
      ['src/config.ts', ['src/sla/index.ts', 'src/errors.ts']],
      ['src/sla/index.ts', ['src/sla/module.ts']],
      ['src/sla/module.ts', ['src/modules.ts']],
      ['src/modules.ts', ['src/config.ts']],
      ['src/errors.ts', []],
      ['src/log.ts', ['src/log.ts']],
    ]);
    expect(importCycles(graph)).toEqual(['src/config.ts → src/sla/index.ts → src/sla/module.ts → src/modules.ts → src/config.ts', 'src/log.ts → src/log.ts']);
    expect(importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });
});
