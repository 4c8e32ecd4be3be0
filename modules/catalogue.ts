import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModuleMeta } from './shared/meta.ts';

/** The course order of the modules. */
export const moduleOrder = ['streaming', 'state', 'context', 'persistence'] as const;

const modulesDir = import.meta.dirname;

/**
 * Every module's metadata, read from modules/<name>/module.ts: the one place
 * exercises, hints and checklist links are declared. The workbench, the grader
 * and the starter check all read it from here.
 */
export async function loadCatalogue(): Promise<ModuleMeta[]> {
  const names = readdirSync(modulesDir).filter((n) => existsSync(path.join(modulesDir, n, 'module.ts')));
  const metas: ModuleMeta[] = [];
  for (const name of names) {
    const mod = (await import(pathToFileURL(path.join(modulesDir, name, 'module.ts')).href)) as Record<string, unknown>;
    const meta = Object.values(mod).find((v): v is ModuleMeta => typeof v === 'object' && v !== null && 'exercises' in v && (v as ModuleMeta).name === name);
    if (!meta) throw new Error(`modules/${name}/module.ts must export a ModuleMeta whose name is "${name}"`);
    metas.push(meta);
  }
  const rank = (n: string) => (moduleOrder as readonly string[]).indexOf(n);
  return metas.sort((a, b) => rank(a.name) - rank(b.name));
}
