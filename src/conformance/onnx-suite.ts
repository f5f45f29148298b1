/**
 * ONNX's own backend test suite (the directories of onnx/backend/test/data, as Debian's libonnx-testdata installs
 * them) through the conformance runner: which directories use only operators tconv runs (the decoder set), and how
 * each directory ends. Node only (file system).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SUPPORTED_OPS } from '../onnx/index.ts';
import { readTestModel } from '../onnx/test-dir.ts';
import type { Outcome } from './report.ts';
import { runOnnxTestDir } from './onnx-dir.ts';

/** The suite's groups of test directories ("real" holds download stubs of large models, not test data). */
export const SUITE_GROUPS = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'] as const;

/** Where Debian's libonnx-testdata puts the suite. */
export const DEBIAN_SUITE_PATH = '/usr/share/libonnx-testdata/data';

/**
 * The suite's root: $TCONV_ONNX_TESTDATA, else Debian's path; null when neither holds it.
 * @example
 * findOnnxSuite() // → '/usr/share/libonnx-testdata/data' (with the Debian package installed)
 */
export function findOnnxSuite(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const root of [env.TCONV_ONNX_TESTDATA, DEBIAN_SUITE_PATH]) {
    if (root && SUITE_GROUPS.every((g) => existsSync(join(root, g)))) return root;
  }
  return null;
}

export interface SuiteDir {
  /** group/name, e.g. "node/test_relu". */
  readonly name: string;
  readonly path: string;
  /** Operator types used by the model (domain-qualified outside the default domain); empty when unreadable. */
  readonly ops: readonly string[];
  /** Every operator is one tconv runs. */
  readonly decoderSet: boolean;
}

/** Every test directory of the suite with the operators its model uses. */
export function listSuite(root: string): SuiteDir[] {
  const known = new Set(SUPPORTED_OPS);
  const dirs: SuiteDir[] = [];
  for (const group of SUITE_GROUPS) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const path = join(root, group, name);
      let ops: string[] = [];
      try {
        ops = [...new Set(readTestModel(path).nodes.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType)))];
      } catch {
        // An unreadable model is outside the decoder set; running it reports why.
      }
      dirs.push({ name: `${group}/${name}`, path, ops, decoderSet: ops.length > 0 && ops.every((op) => known.has(op)) });
    }
  }
  return dirs;
}

export interface SuiteResult {
  readonly dir: SuiteDir;
  /** 'pass' when every case passed, else the outcome of the first failed case. */
  readonly outcome: Outcome;
  /** The first failed case's detail. */
  readonly detail: string | null;
}

/**
 * Runs the conformance runner over test directories.
 * @example
 * runSuite(listSuite(findOnnxSuite()!).filter((d) => d.decoderSet)).filter((r) => r.outcome === 'pass').length // → 483
 */
export function runSuite(dirs: readonly SuiteDir[]): SuiteResult[] {
  return dirs.map((dir) => {
    const report = runOnnxTestDir(dir.path, { backend: 'reference' });
    const failed = report.results.find((c) => !c.passed);
    return { dir, outcome: failed ? failed.outcome ?? 'error' : 'pass', detail: failed?.detail ?? null };
  });
}
