// Test-only entry (build/check/tconv-check.wasm, not shipped; test/wasm/ukernels.test.ts): every tile of the simd128 set
// exported by its name, to be run alone on memory the test lays out, and the field offsets of the argument structs
// as globals `<Struct>_<field>`, so the test writes the structs from the kernels' own layout.
import { DirectTileArgs, GemmTileArgs } from './tile-args';
import { ElementwiseArgs } from './elementwise-args';
import { WgradTileArgs } from './weight-gradient-tile';

export { f32_gemm_4x8__simd128 } from './gemm';
export { f32_direct_4x8__simd128, f32_direct_1x16__simd128 } from './direct';
export { f32_wgrad_4x8__simd128 } from './weight-gradient-tile';

export const GemmTileArgs_bytes = offsetof<GemmTileArgs>();
export const GemmTileArgs_a = offsetof<GemmTileArgs>('a');
export const GemmTileArgs_segments = offsetof<GemmTileArgs>('segments');
export const GemmTileArgs_segmentCount = offsetof<GemmTileArgs>('segmentCount');
export const GemmTileArgs_b = offsetof<GemmTileArgs>('b');
export const GemmTileArgs_out = offsetof<GemmTileArgs>('out');
export const GemmTileArgs_channelBytes = offsetof<GemmTileArgs>('channelBytes');
export const GemmTileArgs_columns = offsetof<GemmTileArgs>('columns');
export const GemmTileArgs_validColumns = offsetof<GemmTileArgs>('validColumns');
export const GemmTileArgs_contiguous = offsetof<GemmTileArgs>('contiguous');
export const GemmTileArgs_rows = offsetof<GemmTileArgs>('rows');
export const GemmTileArgs_bias = offsetof<GemmTileArgs>('bias');
export const GemmTileArgs_accumulate = offsetof<GemmTileArgs>('accumulate');
export const GemmTileArgs_activation = offsetof<GemmTileArgs>('activation');
export const GemmTileArgs_alpha = offsetof<GemmTileArgs>('alpha');

export const DirectTileArgs_bytes = offsetof<DirectTileArgs>();
export const DirectTileArgs_a = offsetof<DirectTileArgs>('a');
export const DirectTileArgs_bias = offsetof<DirectTileArgs>('bias');
export const DirectTileArgs_out = offsetof<DirectTileArgs>('out');
export const DirectTileArgs_width = offsetof<DirectTileArgs>('width');
export const DirectTileArgs_outStep = offsetof<DirectTileArgs>('outStep');
export const DirectTileArgs_channelBytes = offsetof<DirectTileArgs>('channelBytes');
export const DirectTileArgs_rows = offsetof<DirectTileArgs>('rows');
export const DirectTileArgs_flatK = offsetof<DirectTileArgs>('flatK');
export const DirectTileArgs_kOffsets = offsetof<DirectTileArgs>('kOffsets');
export const DirectTileArgs_rowBase = offsetof<DirectTileArgs>('rowBase');
export const DirectTileArgs_input = offsetof<DirectTileArgs>('input');
export const DirectTileArgs_baseD = offsetof<DirectTileArgs>('baseD');
export const DirectTileArgs_baseH = offsetof<DirectTileArgs>('baseH');
export const DirectTileArgs_inD = offsetof<DirectTileArgs>('inD');
export const DirectTileArgs_inH = offsetof<DirectTileArgs>('inH');
export const DirectTileArgs_rowFloats = offsetof<DirectTileArgs>('rowFloats');
export const DirectTileArgs_start = offsetof<DirectTileArgs>('start');
export const DirectTileArgs_tapsD = offsetof<DirectTileArgs>('tapsD');
export const DirectTileArgs_tapsH = offsetof<DirectTileArgs>('tapsH');
export const DirectTileArgs_tapsW = offsetof<DirectTileArgs>('tapsW');
export const DirectTileArgs_offsetsD = offsetof<DirectTileArgs>('offsetsD');
export const DirectTileArgs_offsetsH = offsetof<DirectTileArgs>('offsetsH');
export const DirectTileArgs_offsetsW = offsetof<DirectTileArgs>('offsetsW');
export const DirectTileArgs_cinG = offsetof<DirectTileArgs>('cinG');
export const DirectTileArgs_channelStride = offsetof<DirectTileArgs>('channelStride');
export const DirectTileArgs_tapBytes = offsetof<DirectTileArgs>('tapBytes');
export const DirectTileArgs_activation = offsetof<DirectTileArgs>('activation');
export const DirectTileArgs_alpha = offsetof<DirectTileArgs>('alpha');

export {
  f32_vcopy__simd128, f32_vrelu__simd128, f32_vlrelu__simd128, f32_vtanh__simd128, f32_vsigmoid__simd128,
  f32_vsilu__simd128, f32_vactivate__simd128, f32_vadd__simd128, f32_vprelu__simd128, f32_groupnorm__simd128,
} from './elementwise';

export const ElementwiseArgs_bytes = offsetof<ElementwiseArgs>();
export const ElementwiseArgs_x = offsetof<ElementwiseArgs>('x');
export const ElementwiseArgs_b = offsetof<ElementwiseArgs>('b');
export const ElementwiseArgs_out = offsetof<ElementwiseArgs>('out');
export const ElementwiseArgs_units = offsetof<ElementwiseArgs>('units');
export const ElementwiseArgs_unitsPerTask = offsetof<ElementwiseArgs>('unitsPerTask');
export const ElementwiseArgs_kernel = offsetof<ElementwiseArgs>('kernel');
export const ElementwiseArgs_activation = offsetof<ElementwiseArgs>('activation');
export const ElementwiseArgs_alpha = offsetof<ElementwiseArgs>('alpha');
export const ElementwiseArgs_factor = offsetof<ElementwiseArgs>('factor');
export const ElementwiseArgs_offset = offsetof<ElementwiseArgs>('offset');
export const ElementwiseArgs_divide = offsetof<ElementwiseArgs>('divide');
export const ElementwiseArgs_inner = offsetof<ElementwiseArgs>('inner');
export const ElementwiseArgs_channels = offsetof<ElementwiseArgs>('channels');
export const ElementwiseArgs_blockSize = offsetof<ElementwiseArgs>('blockSize');
export const ElementwiseArgs_epsilon = offsetof<ElementwiseArgs>('epsilon');
export const ElementwiseArgs_scale = offsetof<ElementwiseArgs>('scale');
export const ElementwiseArgs_shift = offsetof<ElementwiseArgs>('shift');

export const WgradTileArgs_bytes = offsetof<WgradTileArgs>();
export const WgradTileArgs_a = offsetof<WgradTileArgs>('a');
export const WgradTileArgs_aRowBytes = offsetof<WgradTileArgs>('aRowBytes');
export const WgradTileArgs_positions = offsetof<WgradTileArgs>('positions');
export const WgradTileArgs_b = offsetof<WgradTileArgs>('b');
export const WgradTileArgs_k = offsetof<WgradTileArgs>('k');
export const WgradTileArgs_out = offsetof<WgradTileArgs>('out');
export const WgradTileArgs_rowBytes = offsetof<WgradTileArgs>('rowBytes');
export const WgradTileArgs_columnBytes = offsetof<WgradTileArgs>('columnBytes');
export const WgradTileArgs_rows = offsetof<WgradTileArgs>('rows');
export const WgradTileArgs_columns = offsetof<WgradTileArgs>('columns');
export const WgradTileArgs_accumulate = offsetof<WgradTileArgs>('accumulate');
