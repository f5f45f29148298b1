// Browser build: the native addon is a Node-only backend, so the web bundle leaves it out (vite.config.ts aliases it).
export {};
