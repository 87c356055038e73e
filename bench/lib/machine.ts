/** What every result records about the run (machine, commit, load), and the Python tools' runner. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round2 } from './stats';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export type Json = Record<string, unknown>;
export type Log = (s: string) => void;

/** Generated inputs (checkpoints, ONNX files, built workers): git-ignored, made on demand, never downloaded. */
export function cacheDir(...sub: string[]): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'bench', ...sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The commit measured, and how many tracked files differ from it (a dirty tree is measured as it is). */
export function gitState(): { commit: string; dirty_files: number } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return { commit, dirty_files: dirty };
  } catch {
    return null;
  }
}

export function machine(): Json {
  return { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, load_average: loadavg().map(round2), git: gitState() };
}

/** Debian's python3 (the one with python3-torch); the PATH one otherwise. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Runs a tool of tools/ that prints one JSON line last; {error} (with an install hint when torch or
 * torchvision is missing) when it fails.
 */
export function runPythonTool(args: string[], timeoutMs = 30 * 60_000): Json {
  const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    const last = (r.stderr || r.error?.message || 'failed').trim().split('\n').pop() ?? 'failed';
    const hint = /No module named '(torch|torchvision)'/.test(r.stderr ?? '') ? ' (apt-get install python3-torch python3-torchvision)' : '';
    return { error: `${args[0]}: ${last}${hint}` };
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Json;
}
