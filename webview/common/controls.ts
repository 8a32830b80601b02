/** Toolkit controls every panel uses, built from text only (see dom.ts) and labelled for screen readers. */
import { el } from './dom';

export function button(testId: string, text: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary', title?: string): HTMLElement {
  const b = el('vscode-button', { 'data-testid': testId, appearance, title }, text);
  b.addEventListener('click', onClick);
  return b;
}

/** A labelled <vscode-dropdown>; options are [value, text] pairs. */
export function dropdown(testId: string, label: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const select = el('vscode-dropdown', { 'data-testid': testId, 'aria-label': label }, ...options.map(([v, text]) => el('vscode-option', { value: v, ...(v === value ? { selected: '' } : {}) }, text)));
  select.addEventListener('change', (e) => onChange((e.target as HTMLSelectElement).value));
  return el('label', { class: 'control' }, el('span', { class: 'muted' }, label), select);
}
