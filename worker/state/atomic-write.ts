import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";

let sequence = 0;

/**
 * Replaces `path` with `data` so that a crash at any moment (kill -9, power loss) leaves either the old or the
 * new content, never a mix: write a temporary file beside it, fsync it, rename it over the target (atomic
 * within one file system), then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  sequence += 1;
  const temp = join(dir, `.${basename(path)}.${process.pid}.${sequence}.tmp`);
  const file = await open(temp, "w", 0o600);
  try {
    await file.writeFile(data, "utf8");
    await file.sync();
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (and platforms) refuse fsync on a directory; the rename is still atomic there.
    if ((error as NodeJS.ErrnoException).code !== "EINVAL" && (error as NodeJS.ErrnoException).code !== "EISDIR") {
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Temporary files a killed writer left behind: `.<name>.<pid>.<n>.tmp` of another process (this process's own
 * may be a write in progress).
 */
export function isLeftoverTemp(fileName: string, targetName: string): boolean {
  const prefix = `.${targetName}.`;
  if (!fileName.startsWith(prefix) || !fileName.endsWith(".tmp")) return false;
  const pid = fileName.slice(prefix.length).split(".")[0];
  return pid !== String(process.pid);
}
