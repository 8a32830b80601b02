/** Canvas set-up shared by the attention drawings: crisp on high-DPI screens, theme colours. */

/** Sizes the canvas for `width` x `height` CSS pixels at the screen's pixel ratio; returns its context. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas context');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** A VS Code theme colour by its CSS variable, as the page currently resolves it. */
export function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}

export function fontFor(px: number): string {
  return `${px}px ${themeColor('--vscode-editor-font-family', 'monospace')}`;
}
