/**
 * The parent's side of one bench child process (bench/child.ts for layers, bench/model-child.ts for models): one
 * library at one thread count, alive for the whole run, started on first use and again after a crash or a timeout.
 * The child answers a `setup` message with `loaded` (its version, or why the library cannot run here), then one
 * message per request. A child that crashes or passes its time limit is killed and fails that request only.
 */
import { type ChildProcess, fork } from 'node:child_process';

const TSX = import.meta.resolve('tsx');

/** Starting Node, the tsx loader and a library (ort-web compiles its WebAssembly) has its own, generous limit. */
const LOAD_TIMEOUT_MS = 120_000;

export type ChildEvent<Message> =
  | { readonly kind: 'message'; readonly message: Message }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'timeout'; readonly after: number };

interface Loaded { readonly type: 'loaded'; readonly version: string; readonly unavailable: string | null }

export class BenchChild<Setup extends { readonly library: string; readonly threads: number }, Request, Reply extends { readonly type: string }> {
  version: string | null = null;
  /** Why the library cannot run here (every request fails with it). */
  unavailable: string | null = null;
  /** Why the child could not even start (every request fails with it). */
  broken: string | null = null;
  private child: ChildProcess | null = null;
  private waiting: ((event: ChildEvent<Reply>) => void) | null = null;
  private stderr = '';

  /** `timeoutMs`: the limit of one request (--case-timeout). */
  constructor(private readonly script: string, readonly setup: Setup, readonly timeoutMs: number) {}

  get label(): string {
    return `${this.setup.library} t${this.setup.threads}`;
  }

  /** Sends one request (the child is started first if needed) and waits for its reply, exit or timeout. */
  async request(message: Request): Promise<ChildEvent<Reply> | null> {
    if (!this.child && !this.broken) await this.start();
    if (this.broken || this.unavailable) return null;
    this.child!.send(message as object);
    return this.next(this.timeoutMs);
  }

  /** Lets the child exit (it exits when its IPC channel closes). */
  close(): void {
    this.child?.disconnect();
    this.child = null;
  }

  /** Why a request got no reply, in one line: the timeout, an unexpected message, or the child's last error line. */
  explain(event: ChildEvent<Reply>): string {
    if (event.kind === 'timeout') return event.after === this.timeoutMs ? `took longer than --case-timeout ${event.after / 1000} s` : `took longer than ${event.after / 1000} s`;
    if (event.kind === 'message') return `unexpected message ${event.message.type}`;
    const lines = this.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const last = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? '';
    return `child ${event.code === null ? `killed by ${event.signal}` : `exited with code ${event.code}`}${last ? `: ${last}` : ''}`;
  }

  private async start(): Promise<void> {
    const child = fork(this.script, [], { execArgv: ['--conditions=tconv-source', '--import', TSX], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    this.stderr = '';
    child.stdout!.resume(); // tfjs greets on stdout; nothing there is ours.
    child.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000); });
    // Events of a child already given up on (killed after a timeout) must not answer its successor.
    child.on('message', (message: Reply) => {
      if (this.child === child) this.waiting?.({ kind: 'message', message });
    });
    // 'close' comes after the child's stderr has ended, so a crash's last words are in this.stderr.
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.waiting?.({ kind: 'exit', code, signal });
    });
    child.send({ type: 'setup', setup: this.setup });
    const event = await this.next(LOAD_TIMEOUT_MS);
    if (event.kind === 'message' && event.message.type === 'loaded') {
      const loaded = event.message as unknown as Loaded;
      this.version = loaded.version;
      this.unavailable = loaded.unavailable;
    } else {
      this.broken = `could not load: ${this.explain(event)}`;
    }
  }

  /** The next message or exit of the child; after timeoutMs the child is killed. */
  private next(timeoutMs: number): Promise<ChildEvent<Reply>> {
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
}
