/** Shared by the native tests: the kernel sets this machine can run, or the reason the addon is missing. */
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import type { KernelSetName } from '../../src/engine/backends/native/index.ts';

const status = loadAddon();

/** `false` when the addon is loaded, else the reason every native test is skipped. */
export const skipReason: string | false = status.addon ? false : `native addon not built: ${status.reason}`;

export const kernelSets: readonly KernelSetName[] = status.addon
  ? (status.addon.capabilities().kernelSets as KernelSetName[])
  : [];
