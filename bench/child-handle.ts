/**
 * The parent's side of one child process (bench/child.ts): one library at one thread count, alive for the whole
 * run, asked to measure one case at a time. A child that crashes or exceeds the case timeout fails that case only
 * and is started again for the next one; a library that cannot even load fails every case with the same reason.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CaseEntry, CellResult, ChildMessage, ChildSetup, ParentMessage } from './protocol.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

type Event =
  | { readonly kind: 'message'; readonly message: ChildMessage }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'timeout'; readonly after: number };

/** Starting Node, the tsx loader and a library (ort-web compiles its WebAssembly) has its own, generous limit. */
const LOAD_TIMEOUT_MS = 120_000;

const failed = (id: string, status: 'error' | 'unavailable', reason: string): CellResult =>
  ({ case: id, status, reason, medianMs: null, minMs: null, samples: 0, relErr: null, peakRssMiB: 0 });

export class ChildHandle {
  version: string | null = null;
  /** Largest maxRSS any process of this handle reported, in MiB. */
  peakRssMiB = 0;
  private unavailable: string | null = null;
  private broken: string | null = null;
  private child: ChildProcess | null = null;
  private waiting: ((event: Event) => void) | null = null;
  private stderr = '';

  constructor(readonly setup: ChildSetup, private readonly timeoutMs: number) {}

  get label(): string {
    return `${this.setup.library} t${this.setup.threads}`;
  }

  /** Checks, then times, one case in this child (started or restarted as needed). */
  async measure(entry: CaseEntry): Promise<CellResult> {
    const id = entry.case.id;
    if (!this.child && !this.broken) await this.start();
    if (this.broken) return failed(id, 'error', this.broken);
    if (this.unavailable) return failed(id, 'unavailable', this.unavailable);
    this.send({ type: 'measure', entry });
    const event = await this.next(this.timeoutMs);
    if (event.kind === 'message' && event.message.type === 'result') {
      this.peakRssMiB = Math.max(this.peakRssMiB, event.message.result.peakRssMiB);
      return event.message.result;
    }
    return failed(id, 'error', this.explain(event));
  }

  /** Lets the child exit (it exits when its IPC channel closes). */
  close(): void {
    this.child?.disconnect();
    this.child = null;
  }

  private async start(): Promise<void> {
    const child = fork(CHILD, [], { execArgv: ['--conditions=tconv-source', '--import', TSX], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    this.stderr = '';
    child.stdout!.resume(); // tfjs greets on stdout; nothing there is ours.
    child.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000); });
    // Events of a child already given up on (killed after a timeout) must not answer its successor.
    child.on('message', (message: ChildMessage) => {
      if (this.child === child) this.deliver({ kind: 'message', message });
    });
    // 'close' comes after the child's stderr has ended, so a crash's last words are in this.stderr.
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.deliver({ kind: 'exit', code, signal });
    });
    this.send({ type: 'setup', setup: this.setup });
    const event = await this.next(LOAD_TIMEOUT_MS);
    if (event.kind === 'message' && event.message.type === 'loaded') {
      this.version = event.message.version;
      this.unavailable = event.message.unavailable;
    } else {
      this.broken = `could not load: ${this.explain(event)}`;
    }
  }

  private send(message: ParentMessage): void {
    this.child!.send(message);
  }

  /** The next message or exit of the child; after timeoutMs the child is killed. */
  private next(timeoutMs: number): Promise<Event> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.child?.kill('SIGKILL');
        this.child = null;
        resolve({ kind: 'timeout', after: timeoutMs });
      }, timeoutMs);
      this.waiting = (event) => {
        clearTimeout(timer);
        this.waiting = null;
        resolve(event);
      };
    });
  }

  private deliver(event: Event): void {
    this.waiting?.(event);
  }

  private explain(event: Event): string {
    if (event.kind === 'timeout') return event.after === this.timeoutMs ? `took longer than --case-timeout ${event.after / 1000} s` : `took longer than ${event.after / 1000} s`;
    if (event.kind === 'message') return `unexpected message ${event.message.type}`;
    const lines = this.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const last = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? '';
    return `child ${event.code === null ? `killed by ${event.signal}` : `exited with code ${event.code}`}${last ? `: ${last}` : ''}`;
  }
}
