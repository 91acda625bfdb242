import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const folder = fileURLToPath(new URL('../../../channels/twilio/', import.meta.url));
const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
const sources = files.map((name) => ({ name, text: readFileSync(folder + name, 'utf8') }));

/** Channel code may know the contract, the shared helpers, its own folder, Node and its SDK. */
const ALLOWED = [
  /^\.\/[a-z-]+\.ts$/,
  /^\.\.\/\.\.\/src\/channels\/contract\.ts$/,
  /^\.\.\/\.\.\/src\/shared\/[a-z-]+\.ts$/,
  /^node:/,
  /^twilio(\/|$)/,
];

describe('channels/twilio boundaries', () => {
  it('imports only the channel contract, shared helpers, its own files, Node and the twilio SDK', () => {
    const offending = sources.flatMap(({ name, text }) =>
      [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)/g)]
        .map((m) => m[1] ?? m[2]!)
        .filter((specifier) => !ALLOWED.some((pattern) => pattern.test(specifier)))
        .map((specifier) => `${name}: ${specifier}`),
    );
    expect(files.length).toBeGreaterThan(0);
    expect(offending).toEqual([]);
  });

  it('never reads the environment', () => {
    expect(sources.filter(({ text }) => /process\.env/.test(text)).map(({ name }) => name)).toEqual([]);
  });
});
