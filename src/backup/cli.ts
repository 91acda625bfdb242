import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { backup, restore } from './index.ts';

/** `npm run backup [FILE]` and `npm run restore FILE`: progress on stderr, exit 1 with the reason on failure. */
async function main(): Promise<void> {
  const [command, file] = process.argv.slice(2);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const config = loadConfig();
    if (command === 'backup') {
      const target = file ?? `switchboard-backup-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar`;
      const manifest = await backup(config, target, say);
      say(`backup written to ${target} (database: ${manifest.database}, PostgreSQL ${manifest.serverVersion}, ${manifest.files} stored files)`);
    } else if (command === 'restore' && file) {
      const manifest = await restore(config, file, say);
      say(`restored ${file} (made ${manifest.createdAt}, ${manifest.files} stored files); start Switchboard with the same DATABASE_URL / DATA_DIR`);
    } else {
      say('usage: npm run backup [FILE]   |   npm run restore FILE');
      process.exit(2);
    }
  } catch (error) {
    say(`${command ?? 'backup'} failed: ${error instanceof ConfigError ? error.message : (error as Error).message}`);
    process.exit(1);
  }
}

await main();
