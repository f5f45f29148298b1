/**
 * `tconv build-native`: builds the native addon from the sources the package ships (kernels/native), for installs
 * where npm did not run tconv's install script (npm ≥ 11 asks first) or where a compiler arrived later.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT } from '../output.ts';

export function register(program: Command): void {
  program
    .command('build-native')
    .summary('build the native addon from source (needs g++, make, python3 and the Node headers)')
    .description('Build the native addon that the package ships as C++ sources, as the install script does. '
      + 'Afterwards `tconv doctor` shows the native backend as available.')
    .addHelpText('after', '\nExamples:\n  tconv build-native\n  tconv doctor')
    .action(() => {
      // src/cli/commands and dist/cli/commands both sit three levels below the package root.
      const script = fileURLToPath(new URL('../../../scripts/build-native.mjs', import.meta.url));
      const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
      process.exitCode = result.status === 0 ? EXIT.ok : EXIT.failure;
    });
}
