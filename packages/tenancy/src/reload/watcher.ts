import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import { fingerprintOf, type LoadResult } from '../file/load.ts';

export type ReloadTrigger = 'signal' | 'change' | 'manual';

export interface WatcherOptions {
  /** The result the process started with (valid: an invalid file stops the start instead). */
  initial: Extract<LoadResult, { ok: true }>;
  /** Reads and validates the file again, with the process's options (env, policy schema, reserved secrets). */
  load: () => LoadResult;
  /** A valid new version: swap it in. Not called when the contents did not change (unless on a signal). */
  onValid: (result: Extract<LoadResult, { ok: true }>, trigger: ReloadTrigger) => void;
  /** An invalid new version: it is refused, the running configuration stays. */
  onInvalid: (problems: string[], trigger: ReloadTrigger) => void;
  /** How often the files are compared with what was loaded last. The bound is "within 10 s". */
  pollIntervalMs?: number;
  /** The signal that forces a reload; `null` for none (tests). Default SIGHUP. */
  signal?: NodeJS.Signals | null;
  /** fs.watch the folders as well as polling (default true; tests turn it off to prove the poll alone). */
  watchFolders?: boolean;
}

export interface TenantsWatcher {
  /** Re-reads now, as SIGHUP does. */
  reload(trigger?: ReloadTrigger): LoadResult;
  stop(): void;
}

/**
 * Notices a changed tenants file three ways, because each alone misses cases:
 * - SIGHUP, the operator's explicit "reload now";
 * - fs.watch on the folders of the file and of every `${file:…}` it read, for a prompt reaction. Watching the
 *   folder, not the file, is what catches a Kubernetes ConfigMap update: the kubelet writes a new timestamped
 *   folder and swaps the `..data` symlink in one rename, so the file's own inode never changes;
 * - a poll every `pollIntervalMs` (2 s) comparing a digest of the contents, for filesystems where fs.watch says
 *   nothing (network and overlay mounts) and for a symlink swapped anywhere up the path.
 *
 * Only a change of contents reloads (a touch does not), an invalid version is reported once per distinct content,
 * and reloading is synchronous, so two triggers never interleave.
 */
export function watchTenantsFile(options: WatcherOptions): TenantsWatcher {
  let files = options.initial.files;
  let fingerprint = options.initial.fingerprint;
  let watchers: FSWatcher[] = [];
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;

  const reload = (trigger: ReloadTrigger = 'manual'): LoadResult => {
    const result = options.load();
    const changed = result.fingerprint !== fingerprint;
    fingerprint = result.fingerprint;
    if (result.files.join('\0') !== files.join('\0')) {
      files = result.files;
      rewatch();
    }
    if (result.ok) {
      if (changed || trigger !== 'change') options.onValid(result, trigger);
    } else if (changed || trigger !== 'change') {
      options.onInvalid(result.problems, trigger);
    }
    return result;
  };

  const checkForChange = () => {
    if (stopped) return;
    if (fingerprintOf(files) !== fingerprint) reload('change');
  };

  const rewatch = () => {
    for (const w of watchers) w.close();
    watchers = [];
    if (options.watchFolders === false) return;
    for (const folder of new Set(files.map((f) => dirname(f)))) {
      try {
        const watcher = watch(folder, { persistent: false }, () => {
          clearTimeout(debounce);
          // Editors and the kubelet write in several steps: look once they are done.
          debounce = setTimeout(checkForChange, 150);
          debounce.unref();
        });
        watcher.on('error', () => {}); // the folder went away: the poll still covers it
        watchers.push(watcher);
      } catch {
        // Not watchable here (missing folder, no inotify): the poll covers it.
      }
    }
  };

  rewatch();
  const poll = setInterval(checkForChange, options.pollIntervalMs ?? 2_000);
  poll.unref();
  const signal = options.signal === undefined ? 'SIGHUP' : options.signal;
  const onSignal = () => void reload('signal');
  if (signal) process.on(signal, onSignal);

  return {
    reload,
    stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(debounce);
      for (const w of watchers) w.close();
      if (signal) process.off(signal, onSignal);
    },
  };
}
