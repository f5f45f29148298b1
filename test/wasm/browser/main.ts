// Starts the engine worker and exposes its report to the test (window.report).
const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
(window as unknown as { report: Promise<unknown> }).report = new Promise((resolve) => {
  worker.onmessage = (event) => resolve(event.data);
  worker.onerror = (event) => resolve({ error: event.message });
});
