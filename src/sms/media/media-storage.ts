import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../sms.options';

// Keys are made by this module (account/message ids and a position); anything else is refused, '..' above all.
const KEY = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)?)*$/;

/** Files below STORAGE_DIR, addressed by keys such as `inbound/<account>/<message>/0.jpg`. */
@Injectable()
export class MediaStorage {
  private readonly root: string;

  constructor(@Inject(SMS_MODULE_OPTIONS) options: ResolvedSmsOptions) {
    this.root = resolve(options.storageDir);
  }

  /** Writes atomically: a reader never sees half a file, and a re-run replaces the same key instead of adding one. */
  async write(key: string, bytes: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, bytes, { mode: 0o640 });
    await rename(temporary, path);
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  /** A stream of the file and its size, or null when there is no such file. */
  async open(key: string): Promise<{ stream: ReadStream; size: number } | null> {
    const path = this.path(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { stream: createReadStream(path), size: info.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`Invalid storage key ${JSON.stringify(key)}`);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep))
      throw new Error(`Storage key ${JSON.stringify(key)} leaves the storage directory`);
    return path;
  }
}
