/** Conv2d shapes the conv gradient kernels' tests share: the odd ones ('valid', non-square and
 * even filters, 1x1, explicit padding, strides), at a batch the caller picks. */
export type Shape4 = [number, number, number, number];
export type ConvPad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  x: Shape4;
  w: Shape4;
  stride: number | [number, number];
  pad: ConvPad;
}

export function oddConvCases(batch: number): ConvCase[] {
  return [
    { x: [batch, 9, 7, 3], w: [3, 3, 3, 5], stride: 1, pad: 'valid' },
    { x: [batch, 9, 7, 3], w: [2, 4, 3, 5], stride: 1, pad: 'same' },
    { x: [batch, 9, 7, 3], w: [5, 2, 3, 2], stride: 1, pad: 'valid' },
    { x: [batch, 6, 7, 3], w: [3, 2, 3, 4], stride: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
    // Padding past a 1x1 filter's reach.
    { x: [batch, 6, 7, 3], w: [1, 1, 3, 4], stride: 1, pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
    { x: [batch, 9, 8, 3], w: [3, 3, 3, 5], stride: 2, pad: 'same' },
    { x: [batch, 6, 5, 2], w: [2, 3, 2, 3], stride: [2, 1], pad: 'valid' },
  ];
}
