/**
 * The explorer's state: one transposed-convolution layer plus an optional stack, kept in the URL query so every
 * view is a shareable link. Only parsing and printing live here; all arithmetic comes from the library.
 */
export interface LayerState {
  rank: 1 | 2;
  input: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
  outputPadding: number;
  groups: number;
  inChannels: number;
  outChannels: number;
}

export type StackLayerKind = 'convTranspose' | 'conv' | 'resize' | 'pixelShuffle';

export interface StackLayerState {
  kind: StackLayerKind;
  kernel: number;
  stride: number;
  padding: number;
  outputPadding: number;
  /** resize: scale factor and mode; pixelShuffle: upscale factor (in `stride`). */
  mode: 'nearest' | 'bilinear';
}

export interface ExplorerState {
  layer: LayerState;
  stack: StackLayerState[];
  /** Output cell whose receptive field is highlighted (row, column), or null. */
  focus: [number, number] | null;
}

export const DEFAULT_LAYER: LayerState = {
  rank: 2, input: 32, kernel: 7, stride: 2, padding: 3, dilation: 1, outputPadding: 0, groups: 1, inChannels: 3, outChannels: 3,
};

export const DEFAULT_STACK: StackLayerState[] = [
  { kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1, mode: 'nearest' },
  { kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1, mode: 'nearest' },
];

export const LAYER_FIELDS = ['rank', 'input', 'kernel', 'stride', 'padding', 'dilation', 'outputPadding', 'groups', 'inChannels', 'outChannels'] as const;

/** Short URL keys: `?r=2&i=32&k=7&s=2&p=3&d=1&op=0&g=1&ci=3&co=3&stack=t3.2.1.1,c3.1.1`. */
const KEYS: Record<(typeof LAYER_FIELDS)[number], string> = {
  rank: 'r', input: 'i', kernel: 'k', stride: 's', padding: 'p', dilation: 'd', outputPadding: 'op', groups: 'g', inChannels: 'ci', outChannels: 'co',
};

const KIND_CODES: Record<StackLayerKind, string> = { convTranspose: 't', conv: 'c', resize: 'r', pixelShuffle: 'x' };

export function stateToQuery(state: ExplorerState): string {
  const params = new URLSearchParams();
  for (const field of LAYER_FIELDS) params.set(KEYS[field], String(state.layer[field]));
  params.set('stack', state.stack.map(encodeStackLayer).join(','));
  if (state.focus) params.set('f', state.focus.join('.'));
  return params.toString();
}

/** Reads a query; missing or unreadable values fall back to the defaults (validation is the library's job). */
export function queryToState(query: string): ExplorerState {
  const params = new URLSearchParams(query);
  const layer = { ...DEFAULT_LAYER };
  for (const field of LAYER_FIELDS) {
    const raw = params.get(KEYS[field]);
    if (raw === null || raw.trim() === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value)) (layer as Record<string, number>)[field] = value;
  }
  layer.rank = layer.rank === 1 ? 1 : 2;
  const stackText = params.get('stack');
  const stack = stackText === null ? DEFAULT_STACK.map((l) => ({ ...l })) : stackText.split(',').filter(Boolean).map(decodeStackLayer).filter((l): l is StackLayerState => l !== null);
  const focusText = params.get('f')?.split('.').map(Number);
  const focus = focusText && focusText.length === 2 && focusText.every(Number.isInteger) ? [focusText[0]!, focusText[1]!] as [number, number] : null;
  return { layer, stack, focus };
}

function encodeStackLayer(layer: StackLayerState): string {
  const code = KIND_CODES[layer.kind];
  if (layer.kind === 'resize') return `${code}${layer.stride}.${layer.mode === 'bilinear' ? 'b' : 'n'}`;
  if (layer.kind === 'pixelShuffle') return `${code}${layer.stride}`;
  return `${code}${layer.kernel}.${layer.stride}.${layer.padding}.${layer.outputPadding}`;
}

function decodeStackLayer(text: string): StackLayerState | null {
  const kind = (Object.keys(KIND_CODES) as StackLayerKind[]).find((k) => KIND_CODES[k] === text[0]);
  if (!kind) return null;
  const parts = text.slice(1).split('.');
  const num = (i: number, fallback: number): number => {
    const v = Number(parts[i]);
    return Number.isFinite(v) && parts[i] !== undefined && parts[i] !== '' ? v : fallback;
  };
  if (kind === 'resize') return { kind, kernel: 1, stride: num(0, 2), padding: 0, outputPadding: 0, mode: parts[1] === 'b' ? 'bilinear' : 'nearest' };
  if (kind === 'pixelShuffle') return { kind, kernel: 1, stride: num(0, 2), padding: 0, outputPadding: 0, mode: 'nearest' };
  return { kind, kernel: num(0, 3), stride: num(1, 1), padding: num(2, 0), outputPadding: num(3, 0), mode: 'nearest' };
}
