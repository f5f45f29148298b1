/**
 * What a browser bundle gets instead of ./index.ts (package.json `browser` field): the native backend is a Node-API
 * addon, so browser builds register nothing and never reach the addon loader. `listBackends()` then reports native
 * as "not part of this build".
 */
export {};
