/**
 * The layer's controls, built once and kept (so focus and typing survive every redraw): a slider with a number
 * entry for kernel, stride, padding, dilation and output padding, the input size and dimensions, groups and channels
 * under "Advanced", and the presets, which show which one is active.
 */
import { el } from './dom.ts';
import { PRESETS, type Preset } from './presets.ts';
import type { LAYER_FIELDS, LayerState } from './state.ts';

export type LayerField = (typeof LAYER_FIELDS)[number];

export const LABELS: Record<LayerField, string> = {
  rank: 'Dimensions', input: 'Input size', kernel: 'Kernel size', stride: 'Stride', padding: 'Padding', dilation: 'Dilation',
  outputPadding: 'Output padding', groups: 'Groups', inChannels: 'In channels', outChannels: 'Out channels',
};

/** Slider ranges: the number entry beside each takes any value. */
const SLIDERS: Partial<Record<LayerField, [number, number]>> = {
  kernel: [1, 15], stride: [1, 8], padding: [0, 15], dilation: [1, 6], outputPadding: [0, 7],
};

const HELP: Partial<Record<LayerField, string>> = {
  input: 'side of the square input (1D: its length)',
  padding: 'cropped from each end of the output',
  outputPadding: 'added at the end to pick between sizes',
};

/** How long typing pauses before the page redraws (Enter, leaving the field or a slider redraw at once). */
const TYPING_PAUSE_MS = 250;

export interface ControlHandlers {
  /** A new valid-looking value (the library decides whether the layer is valid). */
  change(field: LayerField, value: number): void;
  /** The field is empty or not a number. */
  invalid(field: LayerField, message: string): void;
  preset(preset: Preset): void;
  addToStack(): void;
}

export interface Controls {
  readonly element: HTMLElement;
  sync(layer: LayerState, presetId: string | undefined): void;
  showError(field: LayerField | 'general', message: string): void;
  clearErrors(): void;
}

export function buildControls(handlers: ControlHandlers): Controls {
  const numbers = new Map<LayerField, HTMLInputElement>();
  const sliders = new Map<LayerField, HTMLInputElement>();
  const timers = new Map<LayerField, ReturnType<typeof setTimeout>>();

  const rank = el('select', { id: 'field-rank', name: 'rank' }, el('option', { value: '1', text: '1D' }), el('option', { value: '2', text: '2D' }));
  rank.addEventListener('change', () => handlers.change('rank', rank.value === '1' ? 1 : 2));

  const row = (field: LayerField): HTMLElement => {
    const id = `field-${field}`;
    const number = el('input', { type: 'number', id, name: field, step: 1, inputmode: 'numeric', 'aria-describedby': `error-${field}${HELP[field] ? ` help-${field}` : ''}` });
    numbers.set(field, number);
    const commit = (): void => {
      clearTimeout(timers.get(field));
      const raw = number.value.trim();
      const value = Number(raw);
      if (raw === '') handlers.invalid(field, `${LABELS[field]} is empty: enter a whole number.`);
      else if (!Number.isFinite(value)) handlers.invalid(field, `${LABELS[field]} must be a number.`);
      else handlers.change(field, value);
    };
    number.addEventListener('input', () => {
      clearTimeout(timers.get(field));
      // An emptied field is an error at once; a number waits for a pause in typing.
      if (number.value.trim() === '' || !Number.isFinite(Number(number.value))) commit();
      else timers.set(field, setTimeout(commit, TYPING_PAUSE_MS));
    });
    number.addEventListener('change', commit);
    const range = SLIDERS[field];
    let slider: HTMLInputElement | null = null;
    if (range) {
      slider = el('input', { type: 'range', id: `range-${field}`, min: range[0], max: range[1], step: 1, 'aria-label': `${LABELS[field]} slider` });
      sliders.set(field, slider);
      slider.addEventListener('input', () => {
        number.value = slider!.value;
        clearTimeout(timers.get(field));
        handlers.change(field, Number(slider!.value));
      });
    }
    return el('div', { class: `field${slider ? ' with-slider' : ''}` },
      el('label', { for: id, text: LABELS[field] }), slider, number,
      HELP[field] ? el('span', { class: 'help', id: `help-${field}`, text: HELP[field] }) : null,
      el('div', { class: 'error', id: `error-${field}`, role: 'alert' }));
  };

  const presetButtons = PRESETS.map((preset) => {
    const button = el('button', { type: 'button', 'data-preset': preset.id, 'aria-pressed': 'false', text: preset.label });
    button.addEventListener('click', () => handlers.preset(preset));
    return button;
  });
  const add = el('button', { type: 'button', id: 'add-to-stack', text: 'Add this layer to the stack' });
  add.addEventListener('click', () => handlers.addToStack());

  const element = el('div', { class: 'controls' },
    el('form', { id: 'layer-form', onsubmit: 'return false' },
      el('fieldset', {}, el('legend', { text: 'Transposed convolution layer' }),
        el('div', { class: 'field' }, el('label', { for: 'field-rank', text: LABELS.rank }), rank),
        row('input'), row('kernel'), row('stride'), row('padding'), row('dilation'), row('outputPadding'),
        el('details', { id: 'advanced' }, el('summary', { text: 'Advanced: groups and channels' }),
          el('p', { class: 'note', text: 'Groups and channels set the weight’s shape and the work, not the output size or the overlap pattern.' }),
          row('groups'), row('inChannels'), row('outChannels'), el('p', { class: 'note', id: 'weight-shape' })),
        el('div', { class: 'error', id: 'error-general', role: 'alert' }))),
    el('div', { class: 'presets', role: 'group', 'aria-labelledby': 'presets-title' }, el('h2', { id: 'presets-title', text: 'Presets' }), ...presetButtons),
    add);

  return {
    element,
    sync(layer, presetId) {
      rank.value = String(layer.rank);
      for (const [field, number] of numbers) {
        // Never rewrite the field being typed in (its text may be "1" on the way to "12").
        if (document.activeElement !== number && Number(number.value) !== layer[field]) number.value = String(layer[field]);
        if (document.activeElement !== number && number.value === '') number.value = String(layer[field]);
        const slider = sliders.get(field);
        if (slider) slider.value = String(layer[field]);
      }
      for (const button of presetButtons) button.setAttribute('aria-pressed', String(button.dataset.preset === presetId));
    },
    showError(field, message) {
      const slot = document.getElementById(`error-${field}`) ?? document.getElementById('error-general');
      if (slot) slot.textContent = message;
      numbers.get(field as LayerField)?.setAttribute('aria-invalid', 'true');
      if (field === 'groups' || field === 'inChannels' || field === 'outChannels') (document.getElementById('advanced') as HTMLDetailsElement).open = true;
    },
    clearErrors() {
      for (const node of element.querySelectorAll('.error')) node.textContent = '';
      for (const node of element.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
    },
  };
}
