/** A canvas holding RGBA pixels at their own size, to be drawn scaled onto the panel's canvases. */
export function offscreenCanvas(pixels: Uint8ClampedArray<ArrayBuffer>, width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  c.getContext('2d')?.putImageData(new ImageData(pixels, width, height), 0, 0);
  return c;
}
