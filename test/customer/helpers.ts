/** What the tests of the customer's side share: a switchboard.yml of their own, and business hours. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes `yaml` as a switchboard.yml in a directory of its own; `remove()` deletes both. */
export async function deskFile(yaml: string): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-customer-'));
  const file = path.join(dir, 'switchboard.yml');
  await writeFile(file, yaml);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every part on, with the built-in English. */
export const ALL_ON = `customer:
  acknowledgement: {}
  status: {}
  csat: {}
`;

/** Berlin, 09:00–17:00 on weekdays; a normal ticket's first reply is due within 4 hours. */
export const BERLIN_OFFICE = {
  SLA_BUSINESS_HOURS: JSON.stringify({ timezone: 'Europe/Berlin', hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, ['09:00', '17:00']])) }),
  SLA_TARGETS: JSON.stringify({ normal: { firstReply: '4h' } }),
};

