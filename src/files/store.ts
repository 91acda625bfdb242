import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** How a message refers to a stored file: `[{ name, contentType, size, ref }]`. */
export interface StoredFile {
  name: string;
  contentType: string;
  size: number;
  /** The SHA-256 of the content: the same bytes are kept once. */
  ref: string;
}

export interface FileStore {
  put(file: { name: string; contentType: string; data: Uint8Array }): Promise<StoredFile>;
  read(ref: string): Promise<Uint8Array>;
}

const REF = /^[0-9a-f]{64}$/;

/** A content-addressed store in a local directory (DATA_DIR/files by default). */
export function createLocalFileStore(dir: string): FileStore {
  const fileFor = (ref: string) => {
    if (!REF.test(ref)) throw new Error(`not a file reference: ${ref}`);
    return path.join(dir, ref.slice(0, 2), ref);
  };
  return {
    async put({ name, contentType, data }) {
      const ref = createHash('sha256').update(data).digest('hex');
      const target = fileFor(ref);
      if (!existsSync(target)) {
        await mkdir(path.dirname(target), { recursive: true });
        // Write then rename: a reader never sees half a file, and two writers of the same
        // content end with the same bytes.
        const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(temporary, data);
        await rename(temporary, target);
      }
      return { name: safeName(name), contentType, size: data.byteLength, ref };
    },
    read: (ref) => readFile(fileFor(ref)),
  };
}

function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f]/g, '').trim();
  return base.slice(0, 200) || 'file';
}
