// ONNX's backend test suite (Debian's libonnx-testdata) through tconv's conformance runner: classifies the
// directories (decoder set = every operator is one tconv runs), runs them, and reports counts by outcome.
//   npx tsx scripts/onnx-suite.ts             counts, and every decoder-set directory that does not pass
//   npx tsx scripts/onnx-suite.ts --all       also run the directories outside the decoder set
//   npx tsx scripts/onnx-suite.ts --markdown  the per-operator table of docs/onnx.md
// The suite's root is $TCONV_ONNX_TESTDATA or /usr/share/libonnx-testdata/data.
import { DEBIAN_SUITE_PATH, type SuiteResult, findOnnxSuite, listSuite, runSuite } from '../src/conformance/onnx-suite.ts';
import { SUPPORTED_OPS } from '../src/onnx/index.ts';

const args = new Set(process.argv.slice(2));
const root = findOnnxSuite();
if (root === null) {
  console.error(`the ONNX test suite is not installed: apt-get install libonnx-testdata (expected at ${DEBIAN_SUITE_PATH}, or set TCONV_ONNX_TESTDATA)`);
  process.exit(2);
}
const dirs = listSuite(root);
const decoder = dirs.filter((d) => d.decoderSet);
console.log(`${dirs.length} test directories in ${root}; ${decoder.length} in the decoder set (every operator one of tconv's ${SUPPORTED_OPS.length})`);
const started = Date.now();
const results = runSuite(args.has('--all') ? dirs : decoder);
const seconds = ((Date.now() - started) / 1000).toFixed(1);

const tally = (list: readonly SuiteResult[]) => {
  const counts: Record<string, number> = {};
  for (const r of list) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return Object.entries(counts).sort().map(([k, v]) => `${v} ${k}`).join(', ');
};
const inSet = results.filter((r) => r.dir.decoderSet);
console.log(`decoder set: ${tally(inSet)} (${seconds} s)`);
if (args.has('--all')) console.log(`outside it: ${tally(results.filter((r) => !r.dir.decoderSet))}`);

if (args.has('--markdown')) {
  // Per operator: the decoder-set directories using it, by outcome, and the reasons of those that do not pass.
  console.log('\n| operator | suite dirs | passed | refused | why refused |\n| --- | ---: | ---: | ---: | --- |');
  for (const op of SUPPORTED_OPS) {
    const using = inSet.filter((r) => r.dir.ops.includes(op));
    const passed = using.filter((r) => r.outcome === 'pass').length;
    const refused = using.filter((r) => r.outcome === 'refused');
    const why = [...new Set(refused.map((r) => reasonOf(r.detail ?? '')))].join('; ');
    const other = using.length - passed - refused.length;
    console.log(`| ${op} | ${using.length} | ${passed} | ${refused.length}${other ? ` (+${other} other)` : ''} | ${why || '—'} |`);
  }
} else {
  for (const r of inSet) if (r.outcome !== 'pass') console.log(`  ${r.outcome.padEnd(8)} ${r.dir.name}: ${r.detail}`);
}

/** A refusal's rule in a few words: what it names, without the node's name. */
function reasonOf(detail: string): string {
  const text = detail.replace(/^refused: /, '');
  if (/STRING/.test(text)) return 'string tensors';
  if (/BFLOAT16/.test(text)) return 'bfloat16';
  if (/training/.test(text)) return 'training mode';
  if (/sequence, map or optional/.test(text)) return 'sequence/optional inputs';
  if (/align_corners with input · scale/.test(text)) return 'align_corners with a scale giving a fractional length: the ONNX reference and onnxruntime disagree';
  return text.replace(/^\S+ /, '').slice(0, 80);
}
