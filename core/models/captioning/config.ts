/**
 * Configuration of the captioner (Show, Attend and Tell; Xu et al. 2015): a CNN to a feature grid,
 * an LSTM decoder attending over the grid at each word, with soft or hard attention.
 */
import { RpcError } from '../../../protocol/rpc';
import { COLOURS, SHAPES } from '../../data/scenes/scenes';
import { Tokenizer } from '../../text/tokenizer';

/** soft: deterministic expectation over the grid; hard: one sampled location (argmax at inference). */
export const CAPTION_ATTENTIONS = ['soft', 'hard'] as const;
export type CaptionAttention = (typeof CAPTION_ATTENTIONS)[number];

export interface CaptionerArgs {
  vocabSize: number;
  /** Default 'soft'. */
  attention?: CaptionAttention;
  /** Input side in pixels, 32 or 64 (default 64); the grid is imageSize / 2^(pooled blocks) per side. */
  imageSize?: number;
  /** Output channels of each conv3x3 + ReLU + 2x2 max-pool block (default [16, 32, 32]: 64 px -> 8 x 8 grid). */
  channels?: number[];
  /**
   * Whether the last block pools too (default true). Without it the grid is twice as fine (16 x 16
   * for [8, 16, 32] at 64 px) while each cell's features still see as far: a map that can point
   * within a small shape.
   */
  poolLast?: boolean;
  /** Width of a learned position vector appended to each grid location's features (default 0 = none). */
  positionDim?: number;
  /** Word embedding width (default 32). */
  embedDim?: number;
  /** LSTM units (default 64). */
  units?: number;
  /** Hidden width of the additive attention score (default 32). */
  attentionDim?: number;
  /** Longest caption in tokens with BOS (default 16). */
  maxLength?: number;
  /**
   * The LSTM's first state: 'mean-features' = tanh(linear(mean of the grid)) as in the paper
   * (default), or 'zeros', so that what the decoder knows of the image comes only through attention
   * (with the mean of the grid a small image can be named without looking anywhere).
   */
  initialState?: CaptionInitialState;
  /**
   * Features per location of the previous word's map by distance (distancePrior.ts) in the attention
   * score (default 0 = none): lets a word look near where the previous one looked.
   */
  distancePrior?: number;
}

export type CaptionInitialState = 'mean-features' | 'zeros';

export type CaptionerConfig = Required<CaptionerArgs>;

export function resolveCaptionerConfig(a: CaptionerArgs): CaptionerConfig {
  const c: CaptionerConfig = {
    vocabSize: a.vocabSize,
    attention: a.attention ?? 'soft',
    imageSize: a.imageSize ?? 64,
    channels: a.channels ?? [16, 32, 32],
    poolLast: a.poolLast ?? true,
    positionDim: a.positionDim ?? 0,
    embedDim: a.embedDim ?? 32,
    units: a.units ?? 64,
    attentionDim: a.attentionDim ?? 32,
    maxLength: a.maxLength ?? 16,
    initialState: a.initialState ?? 'mean-features',
    distancePrior: a.distancePrior ?? 0,
  };
  for (const k of ['vocabSize', 'embedDim', 'units', 'attentionDim', 'maxLength'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RpcError('invalid-input', `captioner: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (!Number.isInteger(c.distancePrior) || c.distancePrior < 0) throw new RpcError('invalid-input', `captioner: distancePrior must be a non-negative integer, got ${c.distancePrior}`);
  if (!Number.isInteger(c.positionDim) || c.positionDim < 0) throw new RpcError('invalid-input', `captioner: positionDim must be a non-negative integer, got ${c.positionDim}`);
  if (c.attention !== 'soft' && c.attention !== 'hard') throw new RpcError('invalid-input', `captioner: attention must be 'soft' or 'hard', got '${String(c.attention)}'`);
  if (c.initialState !== 'mean-features' && c.initialState !== 'zeros') throw new RpcError('invalid-input', `captioner: initialState must be 'mean-features' or 'zeros', got '${String(c.initialState)}'`);
  if (c.channels.length < 1 || c.channels.some((n) => !Number.isInteger(n) || n < 1)) throw new RpcError('invalid-input', `captioner: channels must be positive integers, got [${c.channels}]`);
  const grid = gridSide(c);
  if (!Number.isInteger(grid) || grid < 1) throw new RpcError('invalid-input', `captioner: imageSize ${c.imageSize} is not divisible by 2^${pooledBlocks(c)} (one halving per pooled conv block)`);
  return c;
}

/** Side of the feature grid. */
export function gridSide(c: Pick<CaptionerConfig, 'imageSize' | 'channels' | 'poolLast'>): number {
  return c.imageSize / 2 ** pooledBlocks(c);
}

function pooledBlocks(c: Pick<CaptionerConfig, 'channels' | 'poolLast'>): number {
  return c.poolLast ? c.channels.length : c.channels.length - 1;
}

/** Every word a scene caption can hold ("a red circle to the left of a blue square"). */
export const CAPTION_WORDS = ['a', 'above', 'below', 'to', 'the', 'left', 'right', 'of', ...Object.keys(COLOURS), ...SHAPES];

/** The word tokenizer of scene captions. */
export function captionTokenizer(): Tokenizer {
  return Tokenizer.fit('word', [CAPTION_WORDS.join(' ')]);
}
