/**
 * The arguments `npm run bench` and `npm run chaos` share: `--only name[,name]` picks some of
 * `known` (what `kind` calls them, for the error), `--quick` shortens every phase.
 */
export function parseRunArgs(argv: string[], known: readonly string[], kind: string): { only: string[] | undefined; quick: boolean } {
  let only: string[] | undefined;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean);
    else throw new Error(`unknown argument ${arg}; use --only name[,name] and --quick`);
  }
  const unknown = only?.filter((name) => !known.includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`no ${kind} named ${unknown.join(', ')}; there are ${known.join(', ')}`);
  return { only, quick };
}
