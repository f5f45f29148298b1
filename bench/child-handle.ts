/**
 * The layer bench's child (bench/child.ts) for one library at one thread count, asked to measure one case at a time
 * (process handling in bench/child-process.ts). A library that cannot even load fails every case with one reason.
 */
import { fileURLToPath } from 'node:url';
import { BenchChild } from './child-process.ts';
import type { CaseEntry, CellResult, ChildMessage, ChildSetup, ParentMessage } from './protocol.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

const failed = (id: string, status: 'error' | 'unavailable', reason: string): CellResult =>
  ({ case: id, status, reason, medianMs: null, minMs: null, samples: 0, relErr: null, peakRssMiB: 0 });

export class ChildHandle extends BenchChild<ChildSetup, ParentMessage, ChildMessage> {
  /** Largest maxRSS any process of this handle reported, in MiB. */
  peakRssMiB = 0;

  constructor(setup: ChildSetup, timeoutMs: number) {
    super(CHILD, setup, timeoutMs);
  }

  /** Checks, then times, one case in this child (started or restarted as needed). */
  async measure(entry: CaseEntry): Promise<CellResult> {
    const id = entry.case.id;
    const event = await this.request({ type: 'measure', entry });
    if (this.broken) return failed(id, 'error', this.broken);
    if (this.unavailable) return failed(id, 'unavailable', this.unavailable);
    if (event?.kind === 'message' && event.message.type === 'result') {
      this.peakRssMiB = Math.max(this.peakRssMiB, event.message.result.peakRssMiB);
      return event.message.result;
    }
    return failed(id, 'error', event ? this.explain(event) : 'no reply');
  }
}
