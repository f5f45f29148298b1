/**
 * `tconv doctor`: which compute backends run here, which one 'auto' picks, and why the others do not — the first
 * thing to run when the engine is slower than expected (e.g. the native addon was not built at install time).
 */
import { cpus } from 'node:os';
import type { Command } from 'commander';
import { getBackend, listBackends } from '../../engine/index.ts';
import { loadAddon } from '../../engine/backends/native/addon.ts';
import { type FmaPeak, measureFmaPeak } from '../../engine/backends/native/index.ts';
import { printJson, printLines, renderTable } from '../output.ts';

interface DoctorReport {
  readonly auto: string;
  readonly backends: ReturnType<typeof listBackends>;
  readonly machine: { readonly node: string; readonly platform: string; readonly arch: string; readonly cpu: string; readonly cores: number };
  readonly native: { readonly addon: string; readonly kernelSets: readonly string[]; readonly hardwareThreads: number | null };
  /** Only with --peak (it takes a third of a second): null without the addon or SIMD FMA. */
  readonly fmaPeak?: FmaPeak | null;
}

/**
 * @example
 * doctorReport().auto // → 'native' where the addon is built, else 'wasm' or 'reference'
 */
export function doctorReport(options: { peak?: boolean } = {}): DoctorReport {
  const status = loadAddon();
  let kernelSets: string[] = [];
  let hardwareThreads: number | null = null;
  if (status.addon) {
    try {
      const capabilities = status.addon.capabilities();
      kernelSets = capabilities.kernelSets;
      hardwareThreads = capabilities.hardwareThreads;
    } catch {
      // listBackends() reports the failure as the native backend's reason.
    }
  }
  return {
    auto: getBackend('auto').name,
    backends: listBackends(),
    machine: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    native: { addon: status.path, kernelSets, hardwareThreads },
    ...(options.peak ? { fmaPeak: measureFmaPeak(0.3) } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('doctor')
    .summary('show which compute backends are available here, and why not')
    .description('Check every compute backend (native addon, WebAssembly, reference) and say which one backend "auto" uses, '
      + 'with the reason a backend is unavailable (e.g. the native addon was not built: no compiler at install time).')
    .option('--json', 'print the report as JSON')
    .option('--peak', 'also measure this core\'s FMA peak now (GFLOP/s, one thread; what "% of peak" divides by)')
    .addHelpText('after', '\nExamples:\n  tconv doctor\n  tconv doctor --json\n  tconv doctor --peak')
    .action((args: { json?: boolean; peak?: boolean }) => {
      const report = doctorReport({ peak: args.peak });
      if (args.json) {
        printJson(report);
        return;
      }
      const rows = report.backends.map((b) => [b.name, b.available ? 'yes' : 'no', b.reason]);
      printLines(
        `backend "auto" uses: ${report.auto}`,
        '',
        renderTable(['backend', 'available', 'why'], rows),
        '',
        `machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.platform}/${report.machine.arch}, Node ${report.machine.node}`,
        report.native.kernelSets.length
          ? `native kernels this CPU can run: ${report.native.kernelSets.join(', ')} (best first)`
          : `native addon path: ${report.native.addon}`,
        ...(report.fmaPeak === undefined ? [] : [report.fmaPeak
          ? `FMA peak now: ${report.fmaPeak.gflops.toFixed(1)} GFLOP/s per thread (${report.fmaPeak.kernelSet}, register-only loop; a shared machine moves it)`
          : 'FMA peak: not measured (needs the native addon on a CPU with AVX2 or AVX-512)']),
      );
    });
}
