/** The manifest's checks that need the file system (docs/manifest.md). */
import { realpath, stat } from 'node:fs/promises';
import type { PartialItem } from './manifest.js';
import type { ManifestIssue } from './manifest-schema.js';

interface FileCheck {
  issue?: ManifestIssue;
  /** the file's identity: device and inode (the same through symlinks, hard links and other spellings) */
  id?: string;
  real?: string;
}

async function checkFile(path: string, where: string, item: number, line: number | undefined): Promise<FileCheck> {
  try {
    const st = await stat(path);
    return { id: `${st.dev}:${st.ino}`, real: await realpath(path) };
  } catch {
    return { issue: { where, message: `file not found: ${path}`, item, ...(line !== undefined ? { line } : {}) } };
  }
}

/**
 * Every image and label exists; no image is reached twice through different paths (a symlink, a hard link, `..`):
 * under two patients it would sit in two folds. Same-path duplicates are reported by checkDataset.
 */
export async function checkFiles(partial: readonly PartialItem[]): Promise<ManifestIssue[]> {
  const jobs: Promise<FileCheck>[] = [];
  const images: { it: PartialItem; job: number }[] = [];
  for (const it of partial) {
    if (it.image !== undefined) {
      images.push({ it, job: jobs.length });
      jobs.push(checkFile(it.image, `items[${it.index}].image`, it.index, it.line));
    }
    if (it.label !== undefined) jobs.push(checkFile(it.label, `items[${it.index}].label`, it.index, it.line));
  }
  const done = await Promise.all(jobs);
  const issues = done.flatMap((c) => (c.issue ? [c.issue] : []));
  const first = new Map<string, PartialItem>();
  for (const { it, job } of images) {
    const { id, real } = done[job]!;
    if (id === undefined) continue;
    const prev = first.get(id);
    if (!prev) first.set(id, it);
    else if (prev.image !== it.image) {
      const patients =
        prev.patient !== it.patient
          ? `; patients ${JSON.stringify(prev.patient)} and ${JSON.stringify(it.patient)}: the image would leak between folds`
          : '';
      issues.push({
        where: `items[${it.index}].image`,
        message: `the same file as items[${prev.index}].image (${real}), reached through another path (${it.image})${patients}`,
        item: it.index,
        ...(it.line !== undefined ? { line: it.line } : {}),
      });
    }
  }
  return issues;
}
