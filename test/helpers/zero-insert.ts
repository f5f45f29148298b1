/**
 * Test-only second formulation of transposed convolution, independent of the reference loops and of the shape
 * formulas: insert s − 1 zeros between input samples, pad by K − 1 − padBegin before and K − 1 − padEnd after
 * (a negative amount crops), then run an ordinary stride-1 correlation with dilation d and the spatially flipped
 * kernel, regrouped from (Cin, Cout/g, k…) to (Cout, Cin/g, k…). The output size falls out of the construction.
 */

export interface ZeroInsertArgs {
  /** (N, Cin, spatial…) */
  readonly inputShape: readonly number[];
  readonly input: ArrayLike<number>;
  /** (Cin, Cout/groups, k…) */
  readonly weightShape: readonly number[];
  readonly weight: ArrayLike<number>;
  readonly bias: ArrayLike<number> | null;
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padBegin: readonly number[];
  /** May be negative: extra cells at the end. */
  readonly padEnd: readonly number[];
  readonly groups: number;
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const result = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) result[a] = result[a + 1]! * shape[a + 1]!;
  return result;
}

const product = (values: readonly number[]): number => values.reduce((a, b) => a * b, 1);

/** Every multi-index of a shape, in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((n) => n <= 0)) return;
  const index = new Array<number>(shape.length).fill(0);
  while (true) {
    yield index;
    let a = shape.length - 1;
    while (a >= 0 && ++index[a]! === shape[a]!) index[a--] = 0;
    if (a < 0) return;
  }
}

/** Step 1 and 2: the zero-inserted, padded signal of one (n, c) plane. */
function zeroInsertAndPad(plane: ArrayLike<number>, size: readonly number[], args: ZeroInsertArgs, extent: readonly number[]) {
  const rank = size.length;
  const before = extent.map((K, a) => K - 1 - args.padBegin[a]!);
  const after = extent.map((K, a) => K - 1 - args.padEnd[a]!);
  const padded = size.map((i, a) => (i - 1) * args.stride[a]! + 1 + before[a]! + after[a]!);
  const out = new Float64Array(Math.max(product(padded), 0));
  const inStrides = stridesOf(size);
  let flat = 0;
  for (const p of indices(padded)) {
    let source = 0;
    for (let a = 0; a < rank && source >= 0; a++) {
      const q = p[a]! - before[a]!; // position in the zero-inserted signal
      const s = args.stride[a]!;
      if (q < 0 || q % s !== 0 || q / s >= size[a]!) source = -1;
      else source += (q / s) * inStrides[a]!;
    }
    out[flat++] = source >= 0 ? plane[source]! : 0;
  }
  return { data: out, shape: padded };
}

/** Returns the output shape and float64 data. */
export function zeroInsertConvTranspose(args: ZeroInsertArgs): { shape: number[]; data: Float64Array } {
  const [batch, inChannels] = args.inputShape as [number, number];
  const size = args.inputShape.slice(2);
  const kernel = args.weightShape.slice(2);
  const rank = size.length;
  const inPerGroup = inChannels / args.groups;
  const outPerGroup = args.weightShape[1]!;
  const outChannels = outPerGroup * args.groups;
  const extent = kernel.map((k, a) => args.dilation[a]! * (k - 1) + 1);
  const inPlane = product(size);
  const kernelSize = product(kernel);
  const kernelStrides = stridesOf(kernel);

  // Regrouped, flipped kernel: flipped[co][j][k] = w[g·Cin/g + j][co − g·Cout/g][kernel − 1 − k].
  const flipped = new Float64Array(outChannels * inPerGroup * kernelSize);
  for (let co = 0; co < outChannels; co++) {
    const g = Math.floor(co / outPerGroup);
    for (let j = 0; j < inPerGroup; j++) {
      const ci = g * inPerGroup + j;
      for (const k of indices(kernel)) {
        let from = 0;
        let to = 0;
        for (let a = 0; a < rank; a++) {
          from += (kernel[a]! - 1 - k[a]!) * kernelStrides[a]!;
          to += k[a]! * kernelStrides[a]!;
        }
        flipped[(co * inPerGroup + j) * kernelSize + to] = args.weight[(ci * outPerGroup + (co - g * outPerGroup)) * kernelSize + from]!;
      }
    }
  }

  let outSize: number[] | null = null;
  const planes: Float64Array[][] = [];
  for (let n = 0; n < batch; n++) {
    const padded = [];
    for (let c = 0; c < inChannels; c++) {
      const start = (n * inChannels + c) * inPlane;
      padded.push(zeroInsertAndPad(Array.prototype.slice.call(args.input, start, start + inPlane) as number[], size, args, extent));
    }
    planes.push(padded.map((p) => p.data));
    outSize ??= padded[0]!.shape.map((L, a) => L - extent[a]! + 1);
  }
  // With batch 0 there is nothing to build; derive the size from one empty plane's geometry.
  outSize ??= zeroInsertAndPad(new Float64Array(inPlane), size, args, extent).shape.map((L, a) => L - extent[a]! + 1);
  const paddedShape = outSize.map((o, a) => o + extent[a]! - 1);
  const paddedStrides = stridesOf(paddedShape);

  // Step 3: ordinary stride-1 correlation with dilation, per group.
  const outPlane = product(outSize);
  const data = new Float64Array(Math.max(batch * outChannels * outPlane, 0));
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const g = Math.floor(co / outPerGroup);
      let flat = (n * outChannels + co) * outPlane;
      for (const o of indices(outSize)) {
        let sum = args.bias ? args.bias[co]! : 0;
        for (let j = 0; j < inPerGroup; j++) {
          const plane = planes[n]![g * inPerGroup + j]!;
          let t = 0;
          for (const k of indices(kernel)) {
            let at = 0;
            for (let a = 0; a < rank; a++) at += (o[a]! + k[a]! * args.dilation[a]!) * paddedStrides[a]!;
            sum += plane[at]! * flipped[(co * inPerGroup + j) * kernelSize + t++]!;
          }
        }
        data[flat++] = sum;
      }
    }
  }
  return { shape: [batch, outChannels, ...outSize], data };
}
