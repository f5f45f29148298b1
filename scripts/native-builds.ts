/**
 * What the native A/B scripts (native-ab.ts, weight-gradient-ab.ts) share: two builds of the addon loaded side by
 * side from --a and --b, and the layer cases of the bench suite they run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { NativeAddon } from '../src/engine/backends/native/addon.ts';

/** A case of ../shared/bench/suite.json, as the A/B scripts read it. */
export interface SuiteCase { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }

/** Loads builds a and b (exits 2 with a usage line naming `script` when either path is missing). */
export function loadBuildPair(script: string, a: string | undefined, b: string | undefined): { a: NativeAddon; b: NativeAddon } {
  if (!a || !b) {
    process.stderr.write(`${script}: give both builds, --a FILE.node --b FILE.node\n`);
    process.exit(2);
  }
  const require = createRequire(import.meta.url);
  return { a: require(resolve(a)) as NativeAddon, b: require(resolve(b)) as NativeAddon };
}

/** The cases of a bench suite file. */
export function readSuiteCases(path: string): SuiteCase[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: SuiteCase[] }).cases;
}
