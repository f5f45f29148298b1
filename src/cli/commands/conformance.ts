/**
 * `tconv conformance FILE…`: runs every case of JSON vector files (format in ../shared/README.md) and ends with
 * the line `N passed, M failed`; exit status 0 only when every case passes. src/conformance/run.ts does the work.
 */
import type { Command } from 'commander';
import { type ConformanceReport, runConformancePath } from '../../conformance/run.ts';
import { BACKEND_NAMES, type BackendChoice, getBackend } from '../../engine/index.ts';
import { parseBudget } from '../layer-args.ts';
import { EXIT, printJson, printLines, usageError } from '../output.ts';

interface ConformanceArgs {
  readonly backend: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly maxFlops?: string;
}

export function register(program: Command): void {
  program
    .command('conformance')
    .summary('run conformance vector files; ends with "N passed, M failed"')
    .description('Run every case of one or more JSON vector files (ONNX ConvTranspose cases, PyTorch golden vectors): '
      + 'success cases must match within tolerance, failure cases must be refused with a clear error.')
    .argument('<files...>', 'JSON vector files or ONNX test directories (model.onnx + test_data_set_*)')
    .option('-b, --backend <name>', 'engine backend: auto, reference, wasm or native', 'reference')
    .option('-q, --quiet', 'print failing cases and the summary only')
    .option('--max-flops <n>', 'work budget per file, e.g. 1e12 or none (default 1e11; see docs/limits.md)')
    .option('--json', 'print the reports as JSON')
    .addHelpText('after', '\nExample:\n  tconv conformance ../shared/conformance/onnx-convtranspose-cases.json')
    .action(async (files: string[], args: ConformanceArgs) => {
      const backend = parseBackend(args.backend);
      const reports = [];
      const maxFlops = args.maxFlops === undefined ? undefined : parseBudget('--max-flops', args.maxFlops);
      // A file or directory that cannot be read or run is one failed case: the run always reaches its summary.
      for (const file of files) reports.push(await runConformancePath(file, { backend, ...(maxFlops === undefined ? {} : { maxFlops }) }));
      const passed = reports.reduce((sum, report) => sum + report.passed, 0);
      const failed = reports.reduce((sum, report) => sum + report.failed, 0);
      if (args.json) {
        printJson({ files: reports, passed, failed });
      } else {
        // Several files: a header per file and indented cases, so the final line sums them all.
        const indent = files.length > 1 ? '  ' : '';
        for (const [i, report] of reports.entries()) {
          if (indent) printLines(`${files[i]}:`);
          for (const result of report.results) {
            if (args.quiet && result.passed) continue;
            printLines(`${indent}${result.passed ? 'pass' : 'FAIL'}  ${result.name}${result.detail ? `  ${result.detail}` : ''}`);
          }
        }
        // ONNX test directories and unreadable paths say how each failure ended: refusals apart from wrong values.
        const tally = outcomes(reports);
        if (reports.some((r) => r.results.some((c) => !c.passed && c.outcome !== undefined))) printLines(`failures: ${tally.refused} refused by name, ${tally.differs} wrong values (output differs), ${tally.error} unreadable or invalid, ${tally.crash} crashes`);
        printLines(`${passed} passed, ${failed} failed`);
      }
      process.exitCode = failed === 0 ? EXIT.ok : EXIT.failure;
    });
}

/** The backend to run on; an unknown or unavailable one stops the command before any case runs. */
function parseBackend(name: string): BackendChoice {
  const choices: readonly string[] = ['auto', ...BACKEND_NAMES];
  if (!choices.includes(name)) {
    throw usageError('--backend', name, `is not a backend (known: ${choices.join(', ')})`, 'use --backend reference, or auto for the fastest available');
  }
  getBackend(name as BackendChoice); // throws a TconvError naming why the backend cannot run here
  return name as BackendChoice;
}

/** Failed cases by outcome; failed cases of JSON vector files count as wrong values unless they stopped with an error. */
function outcomes(reports: readonly ConformanceReport[]): Record<'refused' | 'differs' | 'error' | 'crash', number> {
  const tally = { refused: 0, differs: 0, error: 0, crash: 0 };
  for (const report of reports) {
    for (const c of report.results) {
      if (c.passed) continue;
      const outcome = c.outcome ?? (c.error !== undefined ? 'error' : 'differs');
      if (outcome !== 'pass') tally[outcome]++;
    }
  }
  return tally;
}
