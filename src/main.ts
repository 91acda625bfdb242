import { startSwitchboard, type Switchboard } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { ConfigError } from './errors.ts';

const REPEAT_MS = 1_000;

/** `npm start`: parse the environment, start, and stop cleanly on SIGTERM or Ctrl-C. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchboard cannot start: ${error.message}\n`);
    process.exit(1);
  }

  let app: Switchboard | undefined;
  let signalled = false;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // Ctrl-C reaches us twice: from the terminal (our process group) and forwarded by npm,
      // milliseconds apart. Only a second signal a person sends later means "stop waiting".
      if (Date.now() - firstSignalAt < REPEAT_MS) return;
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    signalled = true;
    firstSignalAt = Date.now();
    if (!app) return; // still starting: stop as soon as start-up finishes
    const running = app;
    running.logger.info({ signal }, 'shutting down');
    void running.stop().then(() => {
      running.logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    app = await startSwitchboard({ config });
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error);
    process.stderr.write(`switchboard cannot start: ${message}\n`);
    process.exit(1);
  }
  if (signalled) {
    await app.stop();
    process.exit(0);
  }
  if (app.apiToken.generated) {
    process.stderr.write(
      [
        '',
        `API channel token (generated, kept in ${app.apiToken.file}): ${app.apiToken.token}`,
        'Send a customer message:',
        `  curl -s ${app.url.replace('0.0.0.0', '127.0.0.1')}/api/v1/inbound -H 'Authorization: Bearer ${app.apiToken.token}' \\`,
        `    -H 'Content-Type: application/json' -d '{"id":"msg-1","from":"ada@example.com","name":"Ada","text":"Hello, my order is late"}'`,
        '',
      ].join('\n') + '\n',
    );
  } else if (app.apiToken.file) {
    app.logger.info({ file: app.apiToken.file }, 'API channel token is kept in DATA_DIR');
  }
}

await main();
