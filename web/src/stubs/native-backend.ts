// Browser build: the native addon is a Node-only backend, so the web bundle leaves it out (vite.config.ts aliases it).
// What the engine imports from it by name: no addon, so layers compare weights in JavaScript.
export function nativeSameBits(): undefined {
  return undefined;
}
