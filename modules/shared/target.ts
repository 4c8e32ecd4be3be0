import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

/**
 * Which implementation a module suite grades. Chosen at run time so one suite
 * serves the reference, the learner's exercises and any submission:
 *   LAB_TARGET=reference (default) | exercises | <path to a submission's root>
 */
export type TargetKind = 'reference' | 'exercises' | 'submission';

export interface Target {
  kind: TargetKind;
  /** Absolute path of the folder holding the module's index.ts. */
  dir(moduleName: string): string;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export function currentTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const raw = (env.LAB_TARGET ?? 'reference').trim();
  if (raw === '' || raw === 'reference') {
    return { kind: 'reference', dir: (m) => path.join(repoRoot, 'modules', m, 'reference') };
  }
  if (raw === 'exercises') {
    return { kind: 'exercises', dir: (m) => path.join(repoRoot, 'modules', m, 'exercises') };
  }
  const root = path.resolve(raw);
  if (!existsSync(root)) {
    throw new Error(`LAB_TARGET=${raw}: no such folder. Use "reference", "exercises" or the path of a submission's root folder.`);
  }
  return { kind: 'submission', dir: (m) => path.join(root, 'modules', m, 'exercises') };
}

/**
 * Import the target's implementation of a module. The suite types it as the
 * reference's exports: a submission must offer the same public interface.
 */
export async function loadTarget<T>(moduleName: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const file = path.join(currentTarget(env).dir(moduleName), 'index.ts');
  if (!existsSync(file)) {
    throw new Error(`The ${moduleName} module has no ${file}. Each target must provide modules/${moduleName}/<reference|exercises>/index.ts.`);
  }
  return (await import(pathToFileURL(file).href)) as T;
}
