import { LogLevel, type Logger } from '@slack/web-api';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/**
 * A Logger for the Slack SDKs (WebClient, SocketModeClient, Bolt's App) that records lines
 * instead of printing them: tests stay quiet and can assert on what the SDK warned about.
 */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  let level = LogLevel.INFO;
  const push = (l: LogLine['level']) => (...msg: unknown[]) => {
    lines.push({ level: l, message: msg.map(String).join(' ') });
  };
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
