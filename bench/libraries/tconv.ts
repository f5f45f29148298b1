/**
 * tconv's own backends, called exactly as a user who runs a layer many times would: the weights prepared once
 * (prepareWeights, as ORT prepacks at session creation), then convTranspose(x, prepared, b, { backend, threads, ...layer }).
 * A plain call with a weight tensor packs on every call instead (docs/weights.md has what that costs).
 */
import { createRequire } from 'node:module';
import { tensor } from '../../src/tensor/tensor.ts';
import type { BackendName } from '../../src/engine/backend.ts';
import { caseLayer } from '../suite.ts';
import type { BenchLibrary, CaseData, Preparation } from './library.ts';

const require = createRequire(import.meta.url);

export async function tconvBackend(name: BackendName, threads: number): Promise<BenchLibrary> {
  const version = `tconv ${(require('../../package.json') as { version: string }).version} (${name})`;
  let engine: typeof import('../../src/engine/index.ts');
  try {
    engine = await import('../../src/engine/index.ts');
  } catch (error) {
    return { version, unavailable: `the engine does not load: ${(error as Error).message}` };
  }
  // listBackends() says whether each backend is built and runs here, and why not (as `tconv doctor` shows it).
  const status = engine.listBackends().find((b) => b.name === name);
  if (!status?.available) return { version, unavailable: status?.reason ?? `tconv has no ${name} backend` };
  return {
    version,
    unavailable: null,
    async prepare({ case: suiteCase, plan, input, weight, bias }: CaseData): Promise<Preparation> {
      const options = { ...caseLayer(suiteCase), backend: name, threads };
      const x = tensor(plan.inputShape, input);
      const w = engine.prepareWeights(tensor(plan.weightShape, weight));
      const b = tensor([plan.outChannels], bias);
      return {
        supported: true,
        prepared: {
          run: () => engine.convTranspose(x, w, b, options).data,
          toCanonical: (output) => output,
          dispose: () => w.dispose(),
        },
      };
    },
  };
}
