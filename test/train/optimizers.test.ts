/** Optimizers follow torch.optim's update rules (values worked out by hand from the formulas). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/engine/index.ts';
import { adam, initialize, parameter, sgd } from '../../src/train/index.ts';
import { TconvError } from '../../src/shape/errors.ts';

test('SGD with momentum: buf = m·buf + g, p −= lr·buf (the first buffer is the gradient)', () => {
  const p = parameter('p', tensor([2], [1, -1]));
  const opt = sgd([p], { lr: 0.1, momentum: 0.5 });
  p.grad.set([1, 2]);
  opt.step(); // buf = [1, 2]
  assert.deepEqual([...p.value.data].map((v) => +v.toFixed(6)), [0.9, -1.2]);
  opt.step(); // buf = [1.5, 3]
  assert.deepEqual([...p.value.data].map((v) => +v.toFixed(6)), [0.75, -1.5]);
  opt.zeroGrad();
  assert.deepEqual([...p.grad], [0, 0]);
});

test('Adam: the first step moves each parameter by lr against the sign of its gradient', () => {
  const p = parameter('p', tensor([3], [0, 0, 0]));
  const opt = adam([p], { lr: 0.01 });
  p.grad.set([3, -0.5, 0]);
  opt.step();
  // m̂ = g, v̂ = g²: step = lr·g/(|g| + eps).
  assert.ok(Math.abs(p.value.data[0]! + 0.01) < 1e-6);
  assert.ok(Math.abs(p.value.data[1]! - 0.01) < 1e-6);
  assert.equal(p.value.data[2], 0);
  // Second step with the same gradient: m̂ = g, v̂ = g² again (bias correction), the same move.
  opt.step();
  assert.ok(Math.abs(p.value.data[0]! + 0.02) < 1e-6);
});

test('optimizer settings out of range are refused by name', () => {
  const p = parameter('p', tensor([1]));
  assert.throws(() => sgd([p], { lr: -1 }), (e: unknown) => e instanceof TconvError && e.parameter === 'lr');
  assert.throws(() => sgd([p], { lr: 0.1, momentum: 1 }), (e: unknown) => e instanceof TconvError && e.parameter === 'momentum');
  assert.throws(() => adam([p], { lr: 0.1, beta2: 1.5 }), (e: unknown) => e instanceof TconvError && e.parameter === 'beta2');
});

test('ICNR: every sub-pixel channel group and its bias start equal', () => {
  const { weight, bias } = initialize('icnr', { kind: 'conv', weightShape: [8, 3, 2, 2], outChannels: 8, bias: true, seed: 3, stride: 2 });
  const per = 3 * 2 * 2;
  for (let c = 0; c < 8; c++) {
    const base = c - (c % 4);
    assert.deepEqual([...weight.data.subarray(c * per, (c + 1) * per)], [...weight.data.subarray(base * per, (base + 1) * per)]);
    assert.equal(bias!.data[c], bias!.data[base]);
  }
  assert.notEqual(weight.data[0], weight.data[4 * per]);
});
